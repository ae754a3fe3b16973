/*
 * driver.c — pyembed-run, the runtime driver packed executables are made
 * of. It finds the blob embedded in its own executable (docs/format.md
 * §7), and runs what the blob's "@pyembed" metadata names through
 * libpyembed, with the executable's arguments as sys.argv[1:].
 */
#include "pyembed.h"

int main(int argc, char **argv)
{
    /* This executable's blob and the entry point it records; the process
     * ends inside when the entry ends (the quick exit). */
    return pyembed_main(argc, argv);
}
