/* t.h: a tiny unit-test harness.
 *
 * Named checks that keep going after a failure, then one summary line per
 * binary that tests/run adds up. Usage:
 *
 *	static void test_thing(void) { T_EQ_INT(1 + 1, 2); T_STR(s, "x"); }
 *	int main(void) { T_RUN(test_thing); return t_done(); }
 */
#ifndef AIMAP_TESTS_T_H
#define AIMAP_TESTS_T_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int t_pass, t_fail;
static const char *t_current = "";

#define T_CHECK(cond, ...) do { \
	if (cond) { t_pass++; } else { \
		t_fail++; \
		fprintf(stderr, "FAIL %s (%s:%d): ", t_current, __FILE__, \
			__LINE__); \
		fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); \
	} } while (0)

#define T_OK(cond) T_CHECK((cond), "%s", #cond)
#define T_EQ_INT(a, b) do { long long t_a = (long long)(a), \
	t_b = (long long)(b); \
	T_CHECK(t_a == t_b, "%s == %lld, expected %lld", #a, t_a, t_b); \
	} while (0)
#define T_STR(a, b) do { const char *t_a = (a), *t_b = (b); \
	T_CHECK(t_a && t_b && strcmp(t_a, t_b) == 0, \
		"%s == \"%s\", expected \"%s\"", #a, t_a ? t_a : "(null)", \
		t_b ? t_b : "(null)"); } while (0)
#define T_NEAR(a, b, eps) do { double t_a = (a), t_b = (b); \
	T_CHECK(fabs(t_a - t_b) <= (eps), "%s == %g, expected %g", #a, \
		t_a, t_b); } while (0)

/* A property checked over many cases counts once: count the failing cases
 * in the loop, then T_NONE(bad, "what") makes one check of them. */
#define T_NONE(bad, what) T_CHECK((bad) == 0, "%s: %lld case(s) fail", \
	(what), (long long)(bad))

#define T_RUN(fn) do { t_current = #fn; fn(); } while (0)

static inline int
t_done(void)
{
	printf("%d passed, %d failed\n", t_pass, t_fail);
	return t_fail ? 1 : 0;
}

#endif
