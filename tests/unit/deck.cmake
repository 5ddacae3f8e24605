# tests/unit/deck.cmake
