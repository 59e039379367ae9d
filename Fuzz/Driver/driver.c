/* The fuzz binary's entry point. SwiftPM links executables with main renamed to <module>_main, so libFuzzer's
   own main is not used; this one checks LRP_FUZZ_TARGET and hands over to libFuzzer's driver with
   the Swift target's callback. */
#include <stddef.h>
#include <stdint.h>

#include "driver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

int lrp_fuzz_select(void);

int lrp_fuzz_main(int argc, char **argv) {
    int status = lrp_fuzz_select();
    if (status != 0) return status;
    return LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput);
}
