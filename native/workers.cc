#include "workers.h"

namespace framewire {

LoadWorker::LoadWorker(Napi::Env env, std::shared_ptr<Engine> engine)
    : PromiseWorker(env, "framewire:load"), engine_(std::move(engine)) {}

void LoadWorker::Execute() {
  Guard([&] { engine_->Load(); });
}

void LoadWorker::OnOK() { deferred_.Resolve(Env().Undefined()); }

}  // namespace framewire
