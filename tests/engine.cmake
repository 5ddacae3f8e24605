# tests/engine.cmake
