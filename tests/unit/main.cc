// The unit-test driver: MPI (and PETSc) are initialised once for all cases.
#define BOOST_TEST_MODULE relax unit tests
#include <deal.II/base/mpi.h>

#include <boost/test/unit_test.hpp>

namespace
{
  struct MPIEnvironment
  {
    MPIEnvironment()
      : mpi(boost::unit_test::framework::master_test_suite().argc,
            boost::unit_test::framework::master_test_suite().argv,
            1)
    {}
    dealii::Utilities::MPI::MPI_InitFinalize mpi;
  };
} // namespace

BOOST_TEST_GLOBAL_FIXTURE(MPIEnvironment);
