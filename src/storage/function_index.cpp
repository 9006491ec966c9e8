// FunctionIndex over the SQLite C API: prepared statements with bound parameters only (no
// text ever spliced into SQL), one connection behind a mutex.
#include "tensorwasm/storage/function_index.h"

#include <sqlite3.h>

#include "tensorwasm/storage/errors.h"

namespace tw::storage {
namespace {

Error sqlError(sqlite3* db, const std::string& what) {
  return storageError(StorageErrc::Io, what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

// A prepared statement, finalized when it goes out of scope.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  bool ok() const { return stmt_ != nullptr; }
  void bind(int i, const std::string& text) { sqlite3_bind_text(stmt_, i, text.data(), int(text.size()), SQLITE_TRANSIENT); }
  void bind(int i, int64_t value) { sqlite3_bind_int64(stmt_, i, value); }
  int step() { return sqlite3_step(stmt_); }
  std::string text(int col) const {
    const unsigned char* p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), size_t(sqlite3_column_bytes(stmt_, col))) : "";
  }
  int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

constexpr const char* kColumns = "id, tenant, name, digest, size, created";

Result<FunctionRow> rowOf(const Statement& s) {
  FunctionRow row;
  row.id = s.text(0);
  row.tenant = static_cast<uint64_t>(s.integer(1));
  row.name = s.text(2);
  TW_ASSIGN(row.digest, Digest::parse(s.text(3)));
  row.sizeBytes = static_cast<uint64_t>(s.integer(4));
  row.createdUnixMs = s.integer(5);
  return row;
}

}  // namespace

Result<std::unique_ptr<FunctionIndex>> FunctionIndex::open(const std::filesystem::path& file) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  std::unique_ptr<FunctionIndex> index(new FunctionIndex(db));
  if (rc != SQLITE_OK) return sqlError(db, "cannot open the function index " + file.string());
  sqlite3_busy_timeout(db, 5000);
  TW_TRY(index->exec("PRAGMA journal_mode=WAL"));
  TW_TRY(index->exec("PRAGMA synchronous=FULL"));
  TW_TRY(index->exec(
      "CREATE TABLE IF NOT EXISTS functions (id TEXT PRIMARY KEY, tenant INTEGER NOT NULL, "
      "name TEXT NOT NULL, digest TEXT NOT NULL, size INTEGER NOT NULL, created INTEGER NOT NULL)"));
  return index;
}

FunctionIndex::~FunctionIndex() { sqlite3_close(db_); }

Result<void> FunctionIndex::exec(const char* sql) const {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    return storageError(StorageErrc::Io, std::string("function index: ") + text);
  }
  return {};
}

Result<void> FunctionIndex::insert(const FunctionRow& row) {
  std::lock_guard<std::mutex> lock(mu_);
  Statement s(db_, "INSERT INTO functions (id, tenant, name, digest, size, created) VALUES (?, ?, ?, ?, ?, ?)");
  if (!s.ok()) return sqlError(db_, "function index");
  s.bind(1, row.id);
  s.bind(2, static_cast<int64_t>(row.tenant));
  s.bind(3, row.name);
  s.bind(4, row.digest.str());
  s.bind(5, static_cast<int64_t>(row.sizeBytes));
  s.bind(6, row.createdUnixMs);
  if (s.step() != SQLITE_DONE) return sqlError(db_, "function index insert");
  return {};
}

Result<bool> FunctionIndex::remove(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  Statement s(db_, "DELETE FROM functions WHERE id = ?");
  if (!s.ok()) return sqlError(db_, "function index");
  s.bind(1, id);
  if (s.step() != SQLITE_DONE) return sqlError(db_, "function index delete");
  return sqlite3_changes(db_) > 0;
}

Result<std::optional<FunctionRow>> FunctionIndex::find(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  Statement s(db_, (std::string("SELECT ") + kColumns + " FROM functions WHERE id = ?").c_str());
  if (!s.ok()) return sqlError(db_, "function index");
  s.bind(1, id);
  int rc = s.step();
  if (rc == SQLITE_DONE) return std::optional<FunctionRow>();
  if (rc != SQLITE_ROW) return sqlError(db_, "function index lookup");
  TW_ASSIGN(FunctionRow row, rowOf(s));
  return std::optional<FunctionRow>(std::move(row));
}

Result<std::vector<FunctionRow>> FunctionIndex::list(std::optional<uint64_t> tenant) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string sql = std::string("SELECT ") + kColumns + " FROM functions" +
                    (tenant ? " WHERE tenant = ?" : "") + " ORDER BY created, id";
  Statement s(db_, sql.c_str());
  if (!s.ok()) return sqlError(db_, "function index");
  if (tenant) s.bind(1, static_cast<int64_t>(*tenant));
  std::vector<FunctionRow> rows;
  for (int rc = s.step(); rc != SQLITE_DONE; rc = s.step()) {
    if (rc != SQLITE_ROW) return sqlError(db_, "function index list");
    TW_ASSIGN(FunctionRow row, rowOf(s));
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace tw::storage
