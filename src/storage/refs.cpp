#include "tensorwasm/storage/refs.h"

#include <unistd.h>

#include <fstream>

#include "file_util.h"
#include "tensorwasm/storage/errors.h"

namespace tw::storage {
namespace {

Result<void> checkName(std::string_view name) {
  bool ok = !name.empty() && name.size() <= 128 && name[0] != '.';
  for (char c : name) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-');
  }
  if (!ok) return makeError(ErrorKind::Usage, "bad reference name (1-128 of [a-z0-9._-], not starting with '.')");
  return {};
}

}  // namespace

Result<RefStore> RefStore::open(std::filesystem::path dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return ioError("create directory", dir, ec.value());
  return RefStore(std::move(dir));
}

Result<void> RefStore::set(std::string_view name, const Digest& digest) const {
  TW_TRY(checkName(name));
  std::string text = digest.str() + "\n";
  TW_TRY(replaceFile(dir_, name, {reinterpret_cast<const uint8_t*>(text.data()), text.size()}));
  return syncDirectory(dir_);
}

Result<std::optional<Digest>> RefStore::get(std::string_view name) const {
  TW_TRY(checkName(name));
  std::filesystem::path path = dir_ / name;
  Result<FileHandle> file = openForReading(path);
  if (!file.ok()) {
    if (file.error().kind == ErrorKind::Storage && file.error().code == static_cast<int32_t>(StorageErrc::NotFound)) {
      return std::optional<Digest>();
    }
    return file.takeError();
  }
  char text[80];
  ssize_t n = ::pread(file.value().fd(), text, sizeof text, 0);
  if (n < 0) return ioError("read", path, errno);
  std::string_view content(text, static_cast<size_t>(n));
  if (!content.empty() && content.back() == '\n') content.remove_suffix(1);
  TW_ASSIGN(Digest digest, Digest::parse(content));
  return std::optional<Digest>(digest);
}

Result<bool> RefStore::remove(std::string_view name) const {
  TW_TRY(checkName(name));
  std::filesystem::path path = dir_ / name;
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return false;
    return ioError("remove", path, errno);
  }
  TW_TRY(syncDirectory(dir_));
  return true;
}

}  // namespace tw::storage
