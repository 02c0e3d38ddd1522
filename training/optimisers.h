// The optimisers of SCIENCE.md §7 on a Model: SGD, Entropy-SGD, the HJ
// proximal step, and Elastic-SGD / Parle with replicas on threads and
// MPI ranks.
#pragma once

#include "training/model.h"

#include <mpi.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace relax
{
  enum class Sampling
  {
    /// b independent uniform indices (repeats possible).
    with_replacement,
    /// b distinct indices per batch, batches independent of each other.
    without_replacement,
    /// random reshuffling: a permutation per epoch, cut into batches.
    epochs
  };

  Sampling
  sampling_from_string(const std::string &name);

  /// β⁻¹ = η/(2b), times (1 − b/N) without replacement (SCIENCE.md §1;
  /// the exact factor of the variance of a batch mean without replacement
  /// is (N − b)/(N − 1), the same to O(1/N)).
  double
  sgd_temperature(double learning_rate, unsigned int batch_size, unsigned int n_samples, Sampling sampling);

  /// Draws mini-batches. A batch of all N samples is the full batch, the
  /// same every time (gradient descent), whatever the sampling.
  class BatchSampler
  {
  public:
    BatchSampler(unsigned int n_samples, unsigned int batch_size, Sampling sampling, std::uint64_t seed);

    const std::vector<unsigned int> &
    next();

    unsigned int
    batch_size() const
    {
      return size;
    }

  private:
    unsigned int              n;
    unsigned int              size;
    Sampling                  sampling;
    std::mt19937_64           generator;
    std::vector<unsigned int> permutation;
    unsigned int              position = 0;
    std::vector<unsigned int> batch;
  };

  /// Settings of the inner Langevin loop of Entropy-SGD and Parle.
  struct LangevinParameters
  {
    /// s: step of y ← y − s(∇f_b(y) + (y − x)/γ) + sqrt(2sε) ξ.
    double step = 0.01;
    /// ε: its temperature (the viscosity of the HJ equation).
    double temperature = 0.01;
    unsigned int steps = 20;
    /// Steps before the mean starts to accumulate.
    unsigned int burn_in = 0;
    /// α of the running mean μ ← (1 − α)μ + α y; 0 for the plain average
    /// of the steps after burn-in.
    double averaging = 0.75;
  };

  /**
   * The Langevin estimate of ⟨y⟩ under the Gibbs measure
   * ∝ exp(−(f(y) + |y − x|²/(2γ))/ε) (SCIENCE.md §2), from y = x, with
   * mini-batch gradients from `sampler`. (x − ⟨y⟩)/γ estimates the
   * local-entropy gradient ∇u(x, γ) of the viscous HJ equation with
   * viscosity ε.
   */
  std::vector<double>
  langevin_mean(Model &                    model,
                const std::vector<double> &x,
                double                     gamma,
                const LangevinParameters & langevin,
                BatchSampler &             sampler,
                std::mt19937_64 &          generator);

  /// Settings of the inner minimisation of the HJ proximal step.
  struct ProximalParameters
  {
    double       step       = 0.1;
    unsigned int max_steps  = 1000;
    /// Stops when |∇f_b(y) + (y − x)/t| is below this.
    double tolerance = 1e-10;
  };

  /// argmin_y { f(y) + |y − x|²/(2t) } by gradient descent from y = x
  /// with gradients from `sampler` (the full batch makes it exact to the
  /// tolerance): the proximal map, x − t∇u(x, t) of the non-viscous HJ
  /// equation (SCIENCE.md §3). Returns the inner steps taken in `steps`.
  std::vector<double>
  proximal_point(Model &                    model,
                 const std::vector<double> &x,
                 double                     t,
                 const ProximalParameters & proximal,
                 BatchSampler &             sampler,
                 unsigned int *             steps = nullptr);

  /// One step of an optimiser; the weights it moves are w.
  class Optimiser
  {
  public:
    virtual ~Optimiser() = default;

    virtual void
    step(std::vector<double> &w) = 0;

    /// Gradient evaluations (mini-batches) per step.
    virtual double
    gradients_per_step() const = 0;

    /// Figures of the optimiser's state for diagnostics.csv (e.g. γ).
    virtual std::vector<std::pair<std::string, double>>
    state() const
    {
      return {};
    }
  };

  /// w ← w − η v, v ← μ v + ∇f_b(w) (heavy ball; μ = 0 is plain SGD).
  class Sgd : public Optimiser
  {
  public:
    Sgd(Model &model, BatchSampler &sampler, double learning_rate, double momentum);
    void
    step(std::vector<double> &w) override;
    double
    gradients_per_step() const override
    {
      return 1;
    }

  private:
    Model &             model;
    BatchSampler &      sampler;
    double              learning_rate;
    double              momentum;
    std::vector<double> velocity, gradient;
  };

  /// Entropy-SGD: μ from the inner Langevin loop at x, x ← x − η(x − μ)/γ,
  /// then γ ← γ/(1 + scoping) (γ-scoping: the coupling 1/γ grows every
  /// step, so the local entropy tends to f).
  class EntropySgd : public Optimiser
  {
  public:
    EntropySgd(Model &                   model,
               BatchSampler &            sampler,
               std::uint64_t             seed,
               double                    learning_rate,
               double                    gamma,
               double                    scoping,
               const LangevinParameters &langevin);
    void
    step(std::vector<double> &w) override;
    double
    gradients_per_step() const override
    {
      return langevin.steps;
    }
    std::vector<std::pair<std::string, double>>
    state() const override
    {
      return {{"gamma", gamma}};
    }

  private:
    Model &            model;
    BatchSampler &     sampler;
    std::mt19937_64    generator;
    double             learning_rate;
    double             gamma;
    double             scoping;
    LangevinParameters langevin;
  };

  /// The HJ proximal step: y = prox_{t f}(x), x ← x − η(x − y)/t (η = t:
  /// the proximal point itself), then t ← t/(1 + scoping).
  class HjProximal : public Optimiser
  {
  public:
    HjProximal(Model &model, BatchSampler &sampler, double learning_rate, double t, double scoping,
               const ProximalParameters &proximal);
    void
    step(std::vector<double> &w) override;
    double
    gradients_per_step() const override
    {
      return last_steps;
    }
    std::vector<std::pair<std::string, double>>
    state() const override
    {
      return {{"gamma", t}, {"inner steps", double(last_steps)}};
    }

  private:
    Model &            model;
    BatchSampler &     sampler;
    double             learning_rate;
    double             t;
    double             scoping;
    ProximalParameters proximal;
    unsigned int       last_steps = 0;
  };

  /**
   * n replicas x^a coupled to their mean x̄ by |x^a − x̄|²/(2ρ), each with
   * its own model copy, sampler and random stream (so the result does not
   * depend on scheduling). The replicas are spread over the ranks of
   * `communicator` in contiguous blocks (rank r holds replicas
   * [r n/R, (r + 1) n/R)), and each rank runs its block on threads; x̄ is
   * summed in replica order from all x^a gathered on every rank, so that
   * the result is the same bit for bit on any number of ranks and threads. Elastic-SGD: x^a ← x^a −
   * η(∇f_b(x^a) + (x^a − x̄)/ρ); Parle: x^a ← x^a − η((x^a − μ^a)/γ +
   * (x^a − x̄)/ρ) with μ^a from Entropy-SGD's Langevin loop. One step is
   * `sync every` local steps of every replica, then x̄ ← mean_a x^a and
   * γ, ρ ← ·/(1 + scoping). The weights the step moves are x̄.
   */
  class Replicas : public Optimiser
  {
  public:
    Replicas(const Model &             model,
             unsigned int              n_replicas,
             unsigned int              batch_size,
             Sampling                  sampling,
             std::uint64_t             seed,
             double                    learning_rate,
             double                    rho,
             bool                      parle,
             double                    gamma,
             double                    scoping,
             unsigned int              sync_every,
             const LangevinParameters &langevin,
             MPI_Comm                  communicator = MPI_COMM_SELF);
    ~Replicas() override;
    void
    step(std::vector<double> &w) override;
    double
    gradients_per_step() const override;
    std::vector<std::pair<std::string, double>>
    state() const override;

  private:
    struct Replica;
    void
    local_steps(Replica &replica, const std::vector<double> &centre);

    /// The gathered x^a of all replicas (n × p row-major), every rank.
    void
    gather_replicas();

    MPI_Comm comm;
    /// This rank's block of replicas.
    std::vector<std::unique_ptr<Replica>> replicas;
    unsigned int                          n_replicas;
    /// Replicas per rank.
    std::vector<int>                      replicas_on_rank;
    std::vector<double>                   all_x;
    double                                learning_rate;
    double                                rho;
    bool                                  parle;
    double                                gamma;
    double                                scoping;
    unsigned int                          sync_every;
    LangevinParameters                    langevin;
    bool                                  started = false;
  };
} // namespace relax
