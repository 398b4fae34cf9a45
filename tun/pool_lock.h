// The writer lock of a dynamic pool that several workers share: translator/dynamic_pool.h
// leaves the lock to its owner (translator/ takes no locks of its own), and the daemon
// supplies this one, a plain mutex taken only when a new binding is made.
#pragma once

#include <mutex>

#include "translator/dynamic_pool.h"

namespace tundra {

class MutexPoolLock final : public PoolWriterLock {
 public:
  void lock() override { mutex_.lock(); }
  void unlock() override { mutex_.unlock(); }

 private:
  std::mutex mutex_;
};

}  // namespace tundra
