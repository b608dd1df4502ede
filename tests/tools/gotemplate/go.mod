module gantry/tests/tools/gotemplate

go 1.19
