// The PoolWriterLock the daemon supplies from outside translator/ (a plain mutex), for tests
// that run the dynamic pool's writers concurrently.
#pragma once

#include <mutex>

#include "translator/dynamic_pool.h"

namespace tundra::test {

class MutexWriterLock final : public PoolWriterLock {
 public:
  void lock() override { mutex_.lock(); }
  void unlock() override { mutex_.unlock(); }

 private:
  std::mutex mutex_;
};

}  // namespace tundra::test
