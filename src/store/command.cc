#include "store/command.h"

namespace baton::store {
namespace {

enum class Tag : uint8_t {
  kPut = 1,
  kDelete = 2,
  kDeleteRange = 3,
  kTxn = 4,
  kLeaseGrant = 5,
  kLeaseRevoke = 6,
  kCompact = 7,
  kRange = 8,
  kLeaseRefresh = 9,
};

void PutTag(std::string* dst, Tag tag) { dst->push_back(static_cast<char>(tag)); }

void EncodeOne(std::string* dst, const Put& c) {
  PutTag(dst, Tag::kPut);
  PutLengthPrefixed(dst, c.key);
  PutLengthPrefixed(dst, c.value);
  PutVarint64(dst, c.lease);
}
void EncodeOne(std::string* dst, const Delete& c) {
  PutTag(dst, Tag::kDelete);
  PutLengthPrefixed(dst, c.key);
}
void EncodeOne(std::string* dst, const DeleteRange& c) {
  PutTag(dst, Tag::kDeleteRange);
  PutLengthPrefixed(dst, c.prefix);
}
void EncodeOne(std::string* dst, const Range& c) {
  PutTag(dst, Tag::kRange);
  PutLengthPrefixed(dst, c.key);
  dst->push_back(c.prefix ? 1 : 0);
}
void EncodeOne(std::string* dst, const LeaseGrant& c) {
  PutTag(dst, Tag::kLeaseGrant);
  PutVarint64(dst, c.id);
  PutVarint64(dst, static_cast<uint64_t>(c.ttl.nanos()));
}
void EncodeOne(std::string* dst, const LeaseRevoke& c) {
  PutTag(dst, Tag::kLeaseRevoke);
  PutVarint64(dst, c.id);
}
void EncodeOne(std::string* dst, const LeaseRefresh& c) {
  PutTag(dst, Tag::kLeaseRefresh);
  PutVarint64(dst, c.id);
}
void EncodeOne(std::string* dst, const Compact& c) {
  PutTag(dst, Tag::kCompact);
  PutVarint64(dst, c.revision);
}

void EncodeCompare(std::string* dst, const Compare& c) {
  PutLengthPrefixed(dst, c.key);
  dst->push_back(static_cast<char>(c.target));
  if (c.target == CompareTarget::kAbsent) return;
  dst->push_back(static_cast<char>(c.op));
  if (c.target == CompareTarget::kValue) {
    PutLengthPrefixed(dst, c.value);
  } else {
    PutVarint64(dst, c.number);
  }
}

void EncodeOps(std::string* dst, const std::vector<TxnOp>& ops) {
  PutVarint64(dst, ops.size());
  for (const TxnOp& op : ops) std::visit([dst](const auto& o) { EncodeOne(dst, o); }, op);
}

void EncodeOne(std::string* dst, const Txn& c) {
  PutTag(dst, Tag::kTxn);
  PutVarint64(dst, c.compares.size());
  for (const Compare& compare : c.compares) EncodeCompare(dst, compare);
  EncodeOps(dst, c.then_ops);
  EncodeOps(dst, c.else_ops);
}

Status Malformed(std::string_view what) {
  return Status::Corruption(std::string("malformed store command: ") + std::string(what));
}

bool GetString(Decoder* in, std::string* out) {
  std::string_view bytes;
  if (!in->GetLengthPrefixed(&bytes)) return false;
  out->assign(bytes);
  return true;
}

bool GetBool(Decoder* in, bool* out) {
  uint8_t b = 0;
  if (!in->GetU8(&b) || b > 1) return false;
  *out = b == 1;
  return true;
}

// Every encoded element takes at least one byte, so a count larger than the
// remaining input is malformed; this bounds allocation on hostile input.
bool GetCount(Decoder* in, uint64_t* n) { return in->GetVarint64(n) && *n <= in->remaining(); }

Result<Put> DecodePut(Decoder* in) {
  Put c;
  if (!GetString(in, &c.key) || !GetString(in, &c.value) || !in->GetVarint64(&c.lease)) {
    return Malformed("put");
  }
  return c;
}

Result<Delete> DecodeDelete(Decoder* in) {
  Delete c;
  if (!GetString(in, &c.key)) return Malformed("delete");
  return c;
}

Result<DeleteRange> DecodeDeleteRange(Decoder* in) {
  DeleteRange c;
  if (!GetString(in, &c.prefix)) return Malformed("delete range");
  return c;
}

Result<Range> DecodeRange(Decoder* in) {
  Range c;
  if (!GetString(in, &c.key) || !GetBool(in, &c.prefix)) return Malformed("range");
  return c;
}

// Wraps a decoded alternative into the variant V, or passes the error on.
template <typename V, typename T>
Result<V> Wrap(Result<T> r) {
  if (!r.has_value()) return r.error();
  return V(std::move(r).value());
}

Result<TxnOp> DecodeTxnOp(Decoder* in) {
  uint8_t tag = 0;
  if (!in->GetU8(&tag)) return Malformed("txn op tag");
  switch (static_cast<Tag>(tag)) {
    case Tag::kPut:
      return Wrap<TxnOp>(DecodePut(in));
    case Tag::kDelete:
      return Wrap<TxnOp>(DecodeDelete(in));
    case Tag::kDeleteRange:
      return Wrap<TxnOp>(DecodeDeleteRange(in));
    case Tag::kRange:
      return Wrap<TxnOp>(DecodeRange(in));
    default:
      return Malformed("unknown txn op " + std::to_string(tag));
  }
}

Result<Compare> DecodeCompare(Decoder* in) {
  Compare c;
  uint8_t target = 0, op = 0;
  if (!GetString(in, &c.key) || !in->GetU8(&target) ||
      target > static_cast<uint8_t>(CompareTarget::kAbsent)) {
    return Malformed("compare");
  }
  c.target = static_cast<CompareTarget>(target);
  if (c.target == CompareTarget::kAbsent) return c;
  if (!in->GetU8(&op) || op > static_cast<uint8_t>(CompareOp::kGreater)) {
    return Malformed("compare op");
  }
  c.op = static_cast<CompareOp>(op);
  const bool ok =
      c.target == CompareTarget::kValue ? GetString(in, &c.value) : in->GetVarint64(&c.number);
  if (!ok) return Malformed("compare operand");
  return c;
}

Status DecodeOps(Decoder* in, std::vector<TxnOp>* ops) {
  uint64_t n = 0;
  if (!GetCount(in, &n)) return Malformed("txn op count");
  for (uint64_t i = 0; i < n; ++i) {
    Result<TxnOp> op = DecodeTxnOp(in);
    if (!op.has_value()) return op.error();
    ops->push_back(std::move(op).value());
  }
  return Status::Ok();
}

Result<Txn> DecodeTxn(Decoder* in) {
  Txn c;
  uint64_t n = 0;
  if (!GetCount(in, &n)) return Malformed("compare count");
  for (uint64_t i = 0; i < n; ++i) {
    BATON_ASSIGN_OR_RETURN(Compare compare, DecodeCompare(in));
    c.compares.push_back(std::move(compare));
  }
  BATON_RETURN_IF_ERROR(DecodeOps(in, &c.then_ops));
  BATON_RETURN_IF_ERROR(DecodeOps(in, &c.else_ops));
  return c;
}

Result<Command> DecodeBody(Decoder* in, uint8_t tag) {
  switch (static_cast<Tag>(tag)) {
    case Tag::kPut:
      return Wrap<Command>(DecodePut(in));
    case Tag::kDelete:
      return Wrap<Command>(DecodeDelete(in));
    case Tag::kDeleteRange:
      return Wrap<Command>(DecodeDeleteRange(in));
    case Tag::kTxn:
      return Wrap<Command>(DecodeTxn(in));
    case Tag::kLeaseGrant: {
      LeaseGrant c;
      uint64_t ttl_ns = 0;
      if (!in->GetVarint64(&c.id) || !in->GetVarint64(&ttl_ns)) return Malformed("lease grant");
      c.ttl = Duration::Nanos(static_cast<int64_t>(ttl_ns));
      return Command(c);
    }
    case Tag::kLeaseRevoke: {
      LeaseRevoke c;
      if (!in->GetVarint64(&c.id)) return Malformed("lease revoke");
      return Command(c);
    }
    case Tag::kLeaseRefresh: {
      LeaseRefresh c;
      if (!in->GetVarint64(&c.id)) return Malformed("lease refresh");
      return Command(c);
    }
    case Tag::kCompact: {
      Compact c;
      if (!in->GetVarint64(&c.revision)) return Malformed("compact");
      return Command(c);
    }
    default:
      return Malformed("unknown command type " + std::to_string(tag));
  }
}

}  // namespace

Compare Compare::Value(std::string key, CompareOp op, std::string value) {
  return {std::move(key), CompareTarget::kValue, op, std::move(value), 0};
}
Compare Compare::Version(std::string key, CompareOp op, uint64_t version) {
  return {std::move(key), CompareTarget::kVersion, op, "", version};
}
Compare Compare::CreateRevision(std::string key, CompareOp op, Revision revision) {
  return {std::move(key), CompareTarget::kCreateRevision, op, "", revision};
}
Compare Compare::ModRevision(std::string key, CompareOp op, Revision revision) {
  return {std::move(key), CompareTarget::kModRevision, op, "", revision};
}
Compare Compare::Absent(std::string key) {
  return {std::move(key), CompareTarget::kAbsent, CompareOp::kEqual, "", 0};
}

std::string EncodeCommand(const Command& command) {
  std::string out;
  out.push_back(static_cast<char>(kCommandFormat));
  std::visit([&out](const auto& c) { EncodeOne(&out, c); }, command);
  return out;
}

Result<Command> DecodeCommand(std::string_view bytes) {
  Decoder in(bytes);
  uint8_t format = 0, tag = 0;
  if (!in.GetU8(&format)) return Malformed("empty");
  if (format != kCommandFormat) return Malformed("unknown format " + std::to_string(format));
  if (!in.GetU8(&tag)) return Malformed("missing type");
  BATON_ASSIGN_OR_RETURN(Command command, DecodeBody(&in, tag));
  if (!in.empty()) return Malformed(std::to_string(in.remaining()) + " trailing bytes");
  return command;
}

}  // namespace baton::store
