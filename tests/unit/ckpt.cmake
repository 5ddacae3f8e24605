# tests/unit/ckpt.cmake — the described configuration of checkpoints (kmc/cfgdesc.h),
# on the checkpoint committed under tests/data/.
kmc_unit_test(test_cfgdesc unit/test_cfgdesc.c unit)
target_include_directories(test_cfgdesc PRIVATE ${HDF5_C_INCLUDE_DIRS})
target_compile_definitions(test_cfgdesc PRIVATE ${HDF5_C_DEFINITIONS})
