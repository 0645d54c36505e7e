// BATON_CHECK: invariants and preconditions. A failed check is a bug: it
// prints the file, line, condition and the streamed explanation, then aborts.
// Checks stay on in release builds; BATON_DCHECK is for costly checks and is
// compiled out when NDEBUG is set.
//
//   BATON_CHECK(term_ >= msg.term) << "stale term after Step filter";
#pragma once

#include <sstream>

namespace baton::internal {

class CheckFailure {
 public:
  CheckFailure(const char* file, int line, const char* condition);
  [[noreturn]] ~CheckFailure();
  std::ostream& stream() { return stream_; }

 private:
  std::ostringstream stream_;
};

// Lets `cond ? (void)0 : Voidify() & stream << ...` type-check.
struct Voidify {
  void operator&(std::ostream&) {}
};

}  // namespace baton::internal

#define BATON_CHECK(cond)                 \
  (cond) ? (void)0                        \
         : ::baton::internal::Voidify() & \
               ::baton::internal::CheckFailure(__FILE__, __LINE__, #cond).stream()

#define BATON_CHECK_OK(expr)                                                 \
  do {                                                                       \
    ::baton::Status baton_check_status_ = (expr);                            \
    BATON_CHECK(baton_check_status_.ok()) << baton_check_status_.ToString(); \
  } while (0)

#ifdef NDEBUG
#define BATON_DCHECK(cond)              \
  true ? (void)0                        \
       : ::baton::internal::Voidify() & \
             ::baton::internal::CheckFailure(__FILE__, __LINE__, #cond).stream()
#else
#define BATON_DCHECK(cond) BATON_CHECK(cond)
#endif
