// Typed failures of the native core. The code is stable and crosses into JS
// unchanged (see src/errors.ts), so callers branch on it, never on messages.
#pragma once

#include <stdexcept>
#include <string>

namespace framewire {

enum class ErrorCode {
  kInvalidFrame,     // the frame bytes are at fault (not a JPEG, truncated, too many pixels or scans)
  kPipelineFailure,  // a model or OpenCV call failed on a frame that decoded fine
  kInternal,         // a fault on our side: the caller (our own TS layer) passed something impossible,
                     // or an unexpected exception; answered as internal_error
};

const char* ErrorCodeName(ErrorCode code);

class EngineError : public std::runtime_error {
 public:
  EngineError(ErrorCode code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace framewire
