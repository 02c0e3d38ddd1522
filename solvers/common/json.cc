#include "solvers/common/json.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace relax
{
  namespace
  {
    void
    write_string(std::string &out, const std::string &text)
    {
      out += '"';
      for (const char c : text)
        switch (c)
          {
            case '"':
              out += "\\\"";
              break;
            case '\\':
              out += "\\\\";
              break;
            case '\n':
              out += "\\n";
              break;
            case '\t':
              out += "\\t";
              break;
            default:
              if (static_cast<unsigned char>(c) < 0x20)
                {
                  char code[8];
                  std::snprintf(code, sizeof(code), "\\u%04x", c);
                  out += code;
                }
              else
                out += c;
          }
      out += '"';
    }
  } // namespace

  std::string
  shortest_round_trip(const double x)
  {
    char text[32];
    for (const int digits : {15, 16, 17})
      {
        std::snprintf(text, sizeof(text), "%.*g", digits, x);
        if (std::strtod(text, nullptr) == x)
          break;
      }
    return text;
  }

  Json::Json() = default;

  Json::Json(const double number)
    : kind(Kind::number)
    , number_value(number)
  {}

  Json::Json(const int number)
    : kind(Kind::integer)
    , integer_value(number)
  {}

  Json::Json(const unsigned int number)
    : kind(Kind::integer)
    , integer_value(number)
  {}

  Json::Json(const long number)
    : kind(Kind::integer)
    , integer_value(number)
  {}

  Json::Json(const unsigned long number)
    : kind(Kind::integer)
    , integer_value(static_cast<long long>(number))
  {}

  Json::Json(const bool flag)
    : kind(Kind::boolean)
    , boolean_value(flag)
  {}

  Json::Json(const std::string &text)
    : kind(Kind::string)
    , string_value(text)
  {}

  Json::Json(const char *text)
    : kind(Kind::string)
    , string_value(text)
  {}

  Json::Json(const std::vector<double> &numbers)
    : kind(Kind::array)
  {
    for (const double x : numbers)
      elements.emplace_back(x);
  }

  Json
  Json::object()
  {
    Json value;
    value.kind = Kind::object;
    return value;
  }

  Json
  Json::array()
  {
    Json value;
    value.kind = Kind::array;
    return value;
  }

  Json &
  Json::set(const std::string &key, const Json &value)
  {
    if (kind != Kind::object)
      throw std::logic_error("Json::set on a value that is not an object");
    for (auto &member : members)
      if (member.first == key)
        {
          member.second = value;
          return *this;
        }
    members.emplace_back(key, value);
    return *this;
  }

  Json &
  Json::push(const Json &value)
  {
    if (kind != Kind::array)
      throw std::logic_error("Json::push on a value that is not an array");
    elements.push_back(value);
    return *this;
  }

  std::string
  Json::dump() const
  {
    std::string out;
    write(out, 0);
    out += '\n';
    return out;
  }

  void
  Json::write(std::string &out, const unsigned int indent) const
  {
    const std::string pad(2 * (indent + 1), ' ');
    const std::string close_pad(2 * indent, ' ');
    switch (kind)
      {
        case Kind::null:
          out += "null";
          break;
        case Kind::number:
          if (std::isfinite(number_value))
            {
              out += shortest_round_trip(number_value);
            }
          else // JSON has no NaN or infinity
            out += "null";
          break;
        case Kind::integer:
          out += std::to_string(integer_value);
          break;
        case Kind::boolean:
          out += boolean_value ? "true" : "false";
          break;
        case Kind::string:
          write_string(out, string_value);
          break;
        case Kind::array:
          {
            bool all_scalars = true;
            for (const Json &e : elements)
              all_scalars &= (e.kind != Kind::array && e.kind != Kind::object);
            out += '[';
            for (std::size_t i = 0; i < elements.size(); ++i)
              {
                out += (i == 0 ? "" : ",");
                if (!all_scalars)
                  out += "\n" + pad;
                else if (i > 0)
                  out += ' ';
                elements[i].write(out, indent + 1);
              }
            if (!all_scalars && !elements.empty())
              out += "\n" + close_pad;
            out += ']';
            break;
          }
        case Kind::object:
          out += '{';
          for (std::size_t i = 0; i < members.size(); ++i)
            {
              out += (i == 0 ? "\n" : ",\n") + pad;
              write_string(out, members[i].first);
              out += ": ";
              members[i].second.write(out, indent + 1);
            }
          if (!members.empty())
            out += "\n" + close_pad;
          out += '}';
          break;
      }
  }
} // namespace relax
