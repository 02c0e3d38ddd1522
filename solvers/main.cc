// relax: finite elements for the PDEs behind deep-learning optimisation.
#include <deal.II/base/mpi.h>

#include "solvers/application.h"

int
main(int argc, char **argv)
{
  dealii::Utilities::MPI::MPI_InitFinalize mpi(argc, argv, 1);
  return relax::run_command_line(argc, argv);
}
