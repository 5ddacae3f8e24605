# tests/unit/base.cmake
