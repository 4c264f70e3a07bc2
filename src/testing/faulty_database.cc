#include "testing/faulty_database.h"

namespace taskwire::testing {

namespace {

class FaultyTransaction final : public store::Transaction {
 public:
  FaultyTransaction(FaultyDatabase& database, std::unique_ptr<store::Transaction> inner)
      : database_(database), inner_(std::move(inner)) {}

  base::Result<store::Rows> Query(std::string_view sql,
                                  std::span<const store::Param> params) override {
    if (database_.NextStatementFails()) return Injected(sql);
    return inner_->Query(sql, params);
  }
  base::Result<int64_t> Execute(std::string_view sql,
                                std::span<const store::Param> params) override {
    if (database_.NextStatementFails()) return Injected(sql);
    return inner_->Execute(sql, params);
  }
  base::Result<void> ExecuteScript(std::string_view sql) override {
    return inner_->ExecuteScript(sql);
  }
  base::Result<void> Commit() override { return inner_->Commit(); }

 private:
  static base::Error Injected(std::string_view sql) {
    return base::Error::Unavailable("injected failure (FaultyDatabase) of: " +
                                    std::string(sql.substr(0, 80)));
  }

  FaultyDatabase& database_;
  std::unique_ptr<store::Transaction> inner_;
};

}  // namespace

void FaultyDatabase::Arm(int64_t n) {
  std::lock_guard lock(mutex_);
  fail_at_ = n;
  seen_ = 0;
  fired_ = false;
}

int64_t FaultyDatabase::statements() const {
  std::lock_guard lock(mutex_);
  return seen_;
}

bool FaultyDatabase::fired() const {
  std::lock_guard lock(mutex_);
  return fired_;
}

bool FaultyDatabase::NextStatementFails() {
  std::lock_guard lock(mutex_);
  ++seen_;
  if (fail_at_ > 0 && seen_ == fail_at_) {
    fired_ = true;
    return true;
  }
  return false;
}

base::Result<std::unique_ptr<store::Transaction>> FaultyDatabase::Begin(store::Access access) {
  auto inner = inner_.Begin(access);
  if (!inner) return std::move(inner).error();
  return std::unique_ptr<store::Transaction>(
      std::make_unique<FaultyTransaction>(*this, std::move(*inner)));
}

}  // namespace taskwire::testing
