// A small JSON value for summary.json and provenance.json: objects keep the
// order in which keys were set, doubles are written to round-trip exactly.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace relax
{
  /// The shortest of %.15g, %.16g, %.17g that reads back as exactly x.
  std::string
  shortest_round_trip(double x);

  class Json
  {
  public:
    /// null
    Json();
    Json(double number);
    Json(int number);
    Json(unsigned int number);
    Json(long number);
    Json(unsigned long number);
    Json(bool flag);
    Json(const std::string &text);
    Json(const char *text);
    Json(const std::vector<double> &numbers);

    static Json
    object();
    static Json
    array();

    /// Sets `key` of an object (replacing an earlier value); returns *this.
    Json &
    set(const std::string &key, const Json &value);

    /// Appends to an array; returns *this.
    Json &
    push(const Json &value);

    /// The JSON text, indented by two spaces per level.
    std::string
    dump() const;

  private:
    enum class Kind
    {
      null,
      number,
      integer,
      boolean,
      string,
      array,
      object
    };

    void
    write(std::string &out, unsigned int indent) const;

    Kind                                     kind = Kind::null;
    double                                   number_value  = 0;
    long long                                integer_value = 0;
    bool                                     boolean_value = false;
    std::string                              string_value;
    std::vector<Json>                        elements;
    std::vector<std::pair<std::string, Json>> members;
  };
} // namespace relax
