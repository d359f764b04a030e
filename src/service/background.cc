#include "service/background.h"

#include <pthread.h>

#include <exception>
#include <utility>

#include "common/log.h"

namespace profiled::service {

bool TaskSignal::WaitFor(std::chrono::milliseconds timeout) const {
  return owner_->WaitFor(index_, timeout);
}

bool TaskSignal::Stopping() const { return owner_->Stopping(); }

size_t Background::Start(std::string name, std::function<void(const TaskSignal&)> task) {
  size_t index;
  {
    MutexLock lock(mu_);
    if (stopping_) return kAll;
    index = woken_.size();
    woken_.push_back(false);
  }
  threads_.emplace_back([this, index, name = std::move(name), task = std::move(task)] {
    // Linux limits a thread's name to 15 characters.
    pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
    try {
      task(TaskSignal(this, index));
    } catch (const std::exception& e) {
      // A task's bug must not take the server down; it is logged and the task ends.
      log::Error("background task " + name + " ended by an exception: " + e.what());
    }
  });
  return index;
}

void Background::Wake(size_t handle) {
  {
    MutexLock lock(mu_);
    for (size_t i = 0; i < woken_.size(); ++i) {
      if (handle == kAll || handle == i) woken_[i] = true;
    }
  }
  cv_.notify_all();
}

void Background::Stop() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

bool Background::WaitFor(size_t index, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  MutexLock lock(mu_);
  while (!stopping_ && !woken_[index]) {
    if (!lock.WaitUntil(cv_, deadline)) break;
  }
  woken_[index] = false;
  return stopping_;
}

bool Background::Stopping() {
  MutexLock lock(mu_);
  return stopping_;
}

}  // namespace profiled::service
