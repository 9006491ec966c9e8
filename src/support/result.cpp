// Names and formatting for the shared error type.
#include "tensorwasm/support/result.h"

#include <cstdio>

namespace tw {

const char* errorKindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::Malformed: return "malformed";
    case ErrorKind::Invalid: return "invalid";
    case ErrorKind::Unsupported: return "unsupported";
    case ErrorKind::Link: return "link";
    case ErrorKind::Instantiate: return "instantiate";
    case ErrorKind::Trap: return "trap";
    case ErrorKind::Exit: return "exit";
    case ErrorKind::Limit: return "limit";
    case ErrorKind::Io: return "io";
    case ErrorKind::Usage: return "usage";
    case ErrorKind::Gpu: return "gpu";
    case ErrorKind::Storage: return "storage";
  }
  return "unknown";
}

std::string Error::describe() const {
  if (!offset) return message;
  char buf[40];
  std::snprintf(buf, sizeof buf, " (at byte 0x%zx)", *offset);
  return message + buf;
}

}  // namespace tw
