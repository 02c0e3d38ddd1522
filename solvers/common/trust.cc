#include "solvers/common/trust.h"

#include "solvers/common/json.h"

#include <cstdio>

namespace relax
{
  namespace
  {
    std::string
    brief(const double x)
    {
      char text[32];
      std::snprintf(text, sizeof(text), "%.3g", x);
      return text;
    }
  } // namespace

  void
  TrustReport::at_most(const std::string &figure, const double value, const double bound, const std::string &advice)
  {
    checks.push_back({figure, value, bound, true, advice, value <= bound});
  }

  void
  TrustReport::at_least(const std::string &figure, const double value, const double bound, const std::string &advice)
  {
    checks.push_back({figure, value, bound, false, advice, value >= bound});
  }

  void
  TrustReport::note(const std::string &figure, const double value)
  {
    figures.emplace_back(figure, value);
  }

  bool
  TrustReport::trusted() const
  {
    for (const Check &check : checks)
      if (!check.passed)
        return false;
    return true;
  }

  std::string
  TrustReport::describe(const Check &check) const
  {
    return check.figure + " = " + brief(check.value) + " (bound: " + (check.upper ? "≤ " : "≥ ") +
           brief(check.bound) + ")";
  }

  std::string
  TrustReport::reason() const
  {
    std::string text;
    for (const Check &check : checks)
      if (!check.passed)
        text += (text.empty() ? "" : "; ") + describe(check);
    return text;
  }

  std::vector<std::string>
  TrustReport::warnings() const
  {
    std::vector<std::string> lines;
    for (const Check &check : checks)
      if (!check.passed)
        lines.push_back(describe(check) + ": " + check.advice);
    return lines;
  }

  Json
  TrustReport::json() const
  {
    Json list = Json::object();
    for (const Check &check : checks)
      list.set(check.figure,
               Json::object()
                 .set("value", check.value)
                 .set(check.upper ? "at most" : "at least", check.bound)
                 .set("passed", check.passed));
    Json reported = Json::object();
    for (const auto &[figure, value] : figures)
      reported.set(figure, value);
    return Json::object().set("trusted", trusted()).set("checks", list).set("figures", reported);
  }
} // namespace relax
