/* upper.c — fixture of selftest.py: library "layers_upper" uses
 * "layers_lower" (allowed by the test) and nothing else. */
int layers_fixture_lower(int n);

int layers_fixture_upper(int n)
{
    return layers_fixture_lower(n) + 1;
}
