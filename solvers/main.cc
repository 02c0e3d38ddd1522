// relax: finite elements for the PDEs behind deep-learning optimisation.
#include <deal.II/base/mpi.h>

#include "solvers/application.h"

#include <dlfcn.h>

#include <cstdlib>

namespace
{
  /// OpenBLAS (Debian's libopenblas0-pthread, which serves libblas.so.3)
  /// starts a thread per core that spins between calls. MUMPS's fronts are
  /// small dense blocks, and MPI runs put a rank on every core, so one BLAS
  /// thread per process is faster and does not starve the other ranks
  /// (measured with perf: a Newton hj-viscous run on a busy 2-core machine
  /// spent a fifth of its time in sched_yield otherwise).
  /// OPENBLAS_NUM_THREADS, when set, decides.
  void
  one_blas_thread_unless_asked()
  {
    if (std::getenv("OPENBLAS_NUM_THREADS") != nullptr)
      return;
    using Setter = void (*)(int);
    if (const auto set = reinterpret_cast<Setter>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads")))
      set(1);
  }
} // namespace

int
main(int argc, char **argv)
{
  one_blas_thread_unless_asked();
  dealii::Utilities::MPI::MPI_InitFinalize mpi(argc, argv, 1);
  return relax::run_command_line(argc, argv);
}
