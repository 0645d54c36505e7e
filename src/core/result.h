// Result<T>: a value or the Status that explains why there is none.
// The API follows std::expected (has_value, value, error, *, ->) so a later
// move to C++23 is mechanical. Accessing the value of an error Result, or the
// error of a value Result, is a programmer error and aborts.
#pragma once

#include <utility>
#include <variant>

#include "core/check.h"
#include "core/status.h"

namespace baton {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Status error) : v_(std::in_place_index<1>, std::move(error)) {  // NOLINT
    BATON_CHECK(!std::get<1>(v_).ok()) << "Result built from an OK Status";
  }

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & {
    BATON_CHECK(has_value()) << "value() of an error Result: " << error().ToString();
    return std::get<0>(v_);
  }
  const T& value() const& {
    BATON_CHECK(has_value()) << "value() of an error Result: " << error().ToString();
    return std::get<0>(v_);
  }
  T&& value() && {
    BATON_CHECK(has_value()) << "value() of an error Result: " << error().ToString();
    return std::get<0>(std::move(v_));
  }
  const Status& error() const {
    BATON_CHECK(!has_value()) << "error() of a value Result";
    return std::get<1>(v_);
  }
  // The status: OK for a value, the error otherwise.
  Status status() const { return has_value() ? Status() : std::get<1>(v_); }

  template <typename U>
  T value_or(U&& fallback) const& {
    return has_value() ? std::get<0>(v_) : static_cast<T>(std::forward<U>(fallback));
  }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace baton

// Assigns the value of a Result expression to `lhs`, or returns its error.
#define BATON_ASSIGN_OR_RETURN(lhs, expr)                  \
  auto BATON_CONCAT_(baton_result_, __LINE__) = (expr);    \
  if (!BATON_CONCAT_(baton_result_, __LINE__).has_value()) \
    return BATON_CONCAT_(baton_result_, __LINE__).error(); \
  lhs = std::move(BATON_CONCAT_(baton_result_, __LINE__)).value()
#define BATON_CONCAT_INNER_(a, b) a##b
#define BATON_CONCAT_(a, b) BATON_CONCAT_INNER_(a, b)
