/*
 * The function library of templates: every table of functions besides Go's
 * builtins (builtins.c), in the order they are added (a later table wins a
 * name clash, as a later Funcs() call does in Go).
 *
 * This is the one file the library's implementers share. A new file of
 * functions (sprig_strings.c, ...) exports one table,
 *
 *   const struct tmpl_func sprig_string_funcs[] = { ..., { NULL, NULL, NULL, 0 } };
 *
 * and adds two lines here: its extern declaration and its row below.
 */
#include <stddef.h>

#include "pkg/template/funcs.h"

extern const struct tmpl_func sprig_string_funcs[], sprig_case_funcs[],
	sprig_list_funcs[], sprig_dict_funcs[], sprig_math_funcs[],
	sprig_misc_funcs[], sprig_url_funcs[], sprig_regex_funcs[],
	sprig_date_funcs[], sprig_crypto_funcs[];

const struct tmpl_func *const tmpl_library[] = {
	sprig_string_funcs, sprig_case_funcs, sprig_list_funcs, sprig_dict_funcs,
	sprig_math_funcs, sprig_misc_funcs, sprig_url_funcs, sprig_regex_funcs,
	sprig_date_funcs, sprig_crypto_funcs,
	NULL,
};
