#ifndef GANTRY_TEST_PROMTEXT_H
#define GANTRY_TEST_PROMTEXT_H

/*
 * A strict checker of Prometheus' text exposition format 0.0.4, written
 * for the tests from the format's documentation (promtool is not on the
 * machine). Beyond the grammar it checks what the documentation requires
 * and what `promtool check metrics` lints:
 *   - every line ends with "\n", no "\r";
 *   - metric and label names match [a-zA-Z_:][a-zA-Z0-9_:]* and
 *     [a-zA-Z_][a-zA-Z0-9_]* ("__" prefixes are reserved);
 *   - label values escape only \\, \" and \n; no label twice in a sample;
 *   - values are Go floats (or NaN, +Inf, -Inf); timestamps integers;
 *   - one HELP and one TYPE per family, both before its first sample, and
 *     every family has both; TYPE is counter, gauge, histogram, summary
 *     or untyped;
 *   - a family's lines form one group (no interleaving);
 *   - no series (name and label set) twice;
 *   - counters end in _total and are not negative;
 *   - histograms: only NAME_bucket (with an "le" label, a float), NAME_sum
 *     and NAME_count; per label set, buckets in increasing le order with
 *     counts that never decrease, an le="+Inf" bucket equal to NAME_count,
 *     and NAME_sum present.
 * Returns 0, or -1 with *why ("line N: ...", malloc'ed) set.
 */
int promtext_check(const char *text, char **why);

#endif
