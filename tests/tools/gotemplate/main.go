// Command gotemplate runs the cases of a testdata/template/*.test file
// through Go's own text/template and fmt, and prints the file back with each
// case's "output" or "error" section replaced by what Go produced. It is how
// the expected outputs of those files are checked against the reference
// implementation (Go is not needed to build or test gantry):
//
//	cd tests/tools/gotemplate && go build -o /tmp/gotemplate . && cd -
//	/tmp/gotemplate testdata/template/exec.test | diff testdata/template/exec.test -
//
// (Go 1.19 from Debian's golang-1.19-go package made the files; Helm 3.17
// is built with Go 1.23, whose differences the "go" sections cover.)
//
// The functions below are the test functions that tests/unit/test_template.c
// registers in C, with the same Go signatures, so that argument conversion
// and its errors can be compared. A case with a "go" section is written for
// a newer Go than the one at hand (its text says which) and is passed
// through unchanged.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"text/template"
)

type section struct {
	name string
	body string
}

type tcase struct {
	name     string
	sections []section
}

func (c *tcase) get(name string) (string, bool) {
	for _, s := range c.sections {
		if s.name == name {
			return s.body, true
		}
	}
	return "", false
}

type pair struct {
	Name  string
	Value interface{}
}

type ver struct {
	major int
}

func (v *ver) String() string     { return fmt.Sprintf("v%d", v.major) }
func (v *ver) Major() int         { return v.major }
func (v *ver) Add(n int) *ver     { return &ver{v.major + n} }
func (v *ver) Fail() (int, error) { return 0, errors.New("no") }

var funcs = template.FuncMap{
	"strlen":  func(s string) int { return len(s) },
	"repeat":  func(n int, s string) string { return strings.Repeat(s, n) },
	"toint64": func(n int) int64 { return int64(n) },
	"half":    func(f float64) float64 { return f / 2 },
	"boolstr": func(b bool) string { return fmt.Sprint(b) },
	"fail":    func(msg string) (string, error) { return "", errors.New(msg) },
	"strs":    func(s ...string) []string { return s },
	"ints":    func(n ...int) []int { return n },
	"dict": func(kv ...interface{}) map[string]interface{} {
		m := map[string]interface{}{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
	"strmap": func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	},
	"nilval": func() interface{} { return nil },
	"bytes":  func(s string) []byte { return []byte(s) },
	"keys": func(m map[string]interface{}) []string {
		var k []string
		for key := range m {
			k = append(k, key)
		}
		sort.Strings(k)
		return k
	},
	"pair":  func(name string, v interface{}) pair { return pair{name, v} },
	"mkver": func(n int) *ver { return &ver{n} },
	"first": func(l []interface{}) interface{} { return l[0] },
}

var preamble string

func readCases(path string) ([]tcase, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var cases []tcase
	var cur *tcase
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "=== "):
			cases = append(cases, tcase{name: line[4:]})
			cur = &cases[len(cases)-1]
		case strings.HasPrefix(line, "--- ") && cur != nil:
			cur.sections = append(cur.sections, section{name: line[4:]})
		case cur == nil:
			preamble += line + "\n"
		case cur != nil && len(cur.sections) > 0:
			s := &cur.sections[len(cur.sections)-1]
			s.body += line + "\n"
		}
	}
	for i := range cases {
		n := len(cases[i].sections)
		if n > 0 && strings.HasSuffix(cases[i].sections[n-1].body, "\n\n") {
			b := cases[i].sections[n-1].body
			cases[i].sections[n-1].body = b[:len(b)-1]
		}
	}
	return cases, sc.Err()
}

func convertNumbers(v interface{}) interface{} {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case map[string]interface{}:
		for k, e := range x {
			x[k] = convertNumbers(e)
		}
	case []interface{}:
		for i, e := range x {
			x[i] = convertNumbers(e)
		}
	}
	return v
}

func run(c *tcase) (string, string, error) {
	text, _ := c.get("template")
	// a section's last newline ends its last line and is not part of it
	text = strings.TrimSuffix(text, "\n")
	var data interface{}
	if d, ok := c.get("data"); ok {
		if err := json.Unmarshal([]byte(d), &data); err != nil {
			return "", "", fmt.Errorf("bad data: %v", err)
		}
	}
	if d, ok := c.get("data-int"); ok {
		dec := json.NewDecoder(strings.NewReader(d))
		dec.UseNumber()
		if err := dec.Decode(&data); err != nil {
			return "", "", fmt.Errorf("bad data: %v", err)
		}
		data = convertNumbers(data)
	}
	t := template.New("t").Funcs(funcs)
	if mk, ok := c.get("missingkey"); ok {
		t.Option("missingkey=" + strings.TrimSpace(mk))
	}
	if _, err := t.Parse(text); err != nil {
		return "", "", err
	}
	tree := t.Tree.Root.String()
	var sb strings.Builder
	err := t.Execute(&sb, data)
	return sb.String(), tree, err
}

func main() {
	cases, err := readCases(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	fmt.Fprint(w, preamble)
	for i := range cases {
		c := &cases[i]
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "=== %s\n", c.name)
		_, skip := c.get("go")
		out, tree, err := "", "", error(nil)
		if !skip {
			out, tree, err = run(c)
		}
		for _, s := range c.sections {
			switch {
			case s.name == "string" && !skip:
				fmt.Fprintf(w, "--- string\n%s\n", tree)
			case skip || (s.name != "output" && s.name != "error"):
				fmt.Fprintf(w, "--- %s\n%s", s.name, s.body)
			case err != nil:
				fmt.Fprintf(w, "--- error\n%s\n", err.Error())
			default:
				fmt.Fprintf(w, "--- output\n%s\n", out)
			}
		}
	}
}
