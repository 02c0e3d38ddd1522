// Whether a run can be trusted. Every solver reports the figures that
// decide it (over the whole run, not its last step: a negative density, a
// rising KL, capped values, an unresolved mesh), each with its documented
// bound and what to change when it is out of bounds. RunFolder::finish
// writes them as summary.json's `trust` block and marks the run
// `complete` or `complete, untrusted: <reason>`; relax then exits with 4.
#pragma once

#include <string>
#include <vector>

namespace relax
{
  class Json;

  class TrustReport
  {
  public:
    /// A check that passes when `value` ≤ `bound` (a NaN value fails: a
    /// figure that could not be computed is no evidence).
    void
    at_most(const std::string &figure, double value, double bound, const std::string &advice);

    /// A check that passes when `value` ≥ `bound`.
    void
    at_least(const std::string &figure, double value, double bound, const std::string &advice);

    /// A figure reported beside the checks, without a verdict of its own.
    void
    note(const std::string &figure, double value);

    bool
    trusted() const;

    /// The failed checks, "figure = value (bound: ≤ b)", joined by "; ".
    std::string
    reason() const;

    /// One line per failed check, with its advice: the warnings on stderr.
    std::vector<std::string>
    warnings() const;

    /// {"trusted": bool, "checks": {figure: {value, "at most"|"at least",
    /// passed}}, "figures": {figure: value}}
    Json
    json() const;

  private:
    struct Check
    {
      std::string figure;
      double      value;
      double      bound;
      bool        upper; // value ≤ bound (else value ≥ bound)
      std::string advice;
      bool        passed;
    };
    std::string
    describe(const Check &check) const;

    std::vector<Check>                          checks;
    std::vector<std::pair<std::string, double>> figures;
  };
} // namespace relax
