// The Fortran BLAS products relax calls. Declared here, not taken from
// cblas.h: the cblas_* names also exist in GSL's libgslcblas (which deal.II
// pulls in), and whichever came first in the link order would win; the
// Fortran names only a BLAS library provides (CMakeLists.txt links it).
#pragma once

extern "C" void
dgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k,
       const double *alpha, const double *a, const int *lda, const double *b, const int *ldb,
       const double *beta, double *c, const int *ldc);
extern "C" void
sgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k,
       const float *alpha, const float *a, const int *lda, const float *b, const int *ldb,
       const float *beta, float *c, const int *ldc);
