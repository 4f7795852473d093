#include "powersync/transport/cancellation.hpp"

namespace powersync::transport {

void Cancellation::cancel() {
  std::lock_guard lock(mutex_);
  if (cancelled_) return;
  cancelled_ = true;
  for (auto& [id, wake] : wakers_) wake();
}

bool Cancellation::cancelled() const noexcept {
  std::lock_guard lock(mutex_);
  return cancelled_;
}

Cancellation::Registration Cancellation::on_cancel(std::function<void()> wake) const {
  std::lock_guard lock(mutex_);
  if (cancelled_) wake();
  const std::uint64_t id = next_id_++;
  wakers_.emplace(id, std::move(wake));
  return Registration(this, id);
}

const Cancellation& Cancellation::never() {
  static const Cancellation instance;
  return instance;
}

Cancellation::Registration::Registration(Registration&& other) noexcept : owner_(other.owner_), id_(other.id_) {
  other.owner_ = nullptr;
}

Cancellation::Registration& Cancellation::Registration::operator=(Registration&& other) noexcept {
  if (this != &other) {
    reset();
    owner_ = other.owner_;
    id_ = other.id_;
    other.owner_ = nullptr;
  }
  return *this;
}

Cancellation::Registration::~Registration() { reset(); }

void Cancellation::Registration::reset() noexcept {
  if (owner_ == nullptr) return;
  std::lock_guard lock(owner_->mutex_);
  owner_->wakers_.erase(id_);
  owner_ = nullptr;
}

}  // namespace powersync::transport
