// f = ½ xᵀ A_s x with drift −A x and a constant diffusion matrix D: the
// closed-form test case of SCIENCE.md §4.
#include <deal.II/base/parameter_handler.h>

#include "problems/input_error.h"
#include "problems/landscape.h"
#include "problems/landscape_registry.h"
#include "problems/parameter_parsing.h"
#include "problems/spd_check.h"

#include <cmath>

namespace relax
{
  namespace
  {
    /**
     * The Ornstein–Uhlenbeck landscape. With drift −Ax and constant D the
     * stationary density is N(0, S) with A S + S Aᵀ = 2β⁻¹D (when A is
     * stable), so every Fokker–Planck solver can be checked against it, and
     * Φ ≠ f exactly when AD ≠ DA. A non-symmetric A gives a drift that is
     * not a gradient: f is then the potential of its symmetric part only,
     * and drift_is_gradient() says so.
     */
    template <int dim>
    class Quadratic : public Landscape<dim>
    {
    public:
      static void
      declare_parameters(dealii::ParameterHandler &prm)
      {
        prm.declare_entry(
          "A",
          "1",
          dealii::Patterns::Anything(),
          "The matrix A of the drift -A x: rows separated by ';', entries "
          "by ',' (e.g. '1, 0.5; -0.5, 2'), or one number s for s I. "
          "f = x^T A_s x / 2 with A_s = (A + A^T)/2; the stationary density "
          "exists on R^d when every eigenvalue of A has positive real part.");
        prm.declare_entry(
          "D",
          "1",
          dealii::Patterns::Anything(),
          "The constant diffusion matrix D (symmetric positive definite), "
          "written like A. Dimensionless: the noise is sqrt(2 D / beta) dW.");
        declare_box_parameter(
          prm,
          "-3, 3",
          "Should hold the stationary Gaussian N(0, S) to a few "
          "standard deviations.");
      }

      explicit Quadratic(dealii::ParameterHandler &prm)
        : A(parse_matrix<dim>(prm.get("A"), "A"))
        , A_symmetric(dealii::symmetrize(A))
        , D(checked_spd_matrix(parse_matrix<dim>(prm.get("D"), "D"), "D"))
        , box(parse_box<dim>(prm.get("box"), "box"))
      {
        double scale = 0, antisymmetric = 0;
        for (unsigned int i = 0; i < dim; ++i)
          for (unsigned int j = 0; j < dim; ++j)
            {
              if (!std::isfinite(A[i][j]))
                throw InputError("A", "has an entry that is not finite");
              scale = std::max(scale, std::abs(A[i][j]));
              antisymmetric =
                std::max(antisymmetric, std::abs(A[i][j] - A[j][i]));
            }
        // Exactly symmetric input (the usual case) must give exactly −∇f;
        // the tolerance only forgives rounding in typed decimals.
        gradient_drift = antisymmetric <= 1e-14 * scale;
      }

      double
      value(const dealii::Point<dim> &x) const override
      {
        return 0.5 * x * (A_symmetric * x);
      }

      dealii::Tensor<1, dim>
      gradient(const dealii::Point<dim> &x) const override
      {
        return A_symmetric * x;
      }

      dealii::Tensor<1, dim>
      drift(const dealii::Point<dim> &x) const override
      {
        return -(A * x);
      }

      bool
      drift_is_gradient() const override
      {
        return gradient_drift;
      }

      dealii::SymmetricTensor<2, dim>
      diffusion(const dealii::Point<dim> &) const override
      {
        return D;
      }

      Domain<dim>
      domain() const override
      {
        return box;
      }

      std::map<std::string, double>
      properties() const override
      {
        // ‖AD − DA‖_max: zero exactly when Φ = f (SCIENCE.md §4).
        const dealii::Tensor<2, dim> Dt         = D;
        const dealii::Tensor<2, dim> commutator = A * Dt - Dt * A;
        double                       norm       = 0;
        for (unsigned int i = 0; i < dim; ++i)
          for (unsigned int j = 0; j < dim; ++j)
            norm = std::max(norm, std::abs(commutator[i][j]));
        return {{"commutator AD-DA", norm}};
      }

    private:
      dealii::Tensor<2, dim>          A;
      dealii::SymmetricTensor<2, dim> A_symmetric;
      dealii::SymmetricTensor<2, dim> D;
      Domain<dim>                     box;
      bool                            gradient_drift = true;
    };
  } // namespace
} // namespace relax

using relax::Quadratic;
RELAX_REGISTER_LANDSCAPE(
  Quadratic,
  "quadratic",
  "f = x^T A_s x / 2 (A_s the symmetric part of the matrix A), drift -A x "
  "(not a gradient when A is not symmetric), constant SPD diffusion matrix "
  "D, any dimension. Stationary density N(0, S) with A S + S A^T = 2 D/beta; "
  "the potential Phi differs from f exactly when AD != DA.")
