/* header_test.c — the public headers compile on their own in strict ISO C
 * (-std=c99 -pedantic -Werror) and, as header_test.cpp, as C++. */
#include "packrs.h"
#include "pyembed.h"

int main(void)
{
    pyembed_config cfg;
    packrs_resource res;
    (void)res;
    return pyembed_config_init(&cfg, PYEMBED_CONFIG_VERSION) == PYEMBED_OK &&
           packrs_version_number() == PACKRS_VERSION_NUMBER &&
           pyembed_version_number() == PYEMBED_VERSION_NUMBER ? 0 : 1;
}
