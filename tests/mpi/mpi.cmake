# tests/mpi/mpi.cmake — MPI tests at 1-4 ranks
