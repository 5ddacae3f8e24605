# tests/unit/pot.cmake
