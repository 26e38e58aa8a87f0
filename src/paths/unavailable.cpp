// A path that cannot run in this build or for this dtype (a library that was not found when
// conveq was built, a dtype the library lacks): it keeps its name, so that `--paths` accepts
// it and every report lists it, skipped with the reason.
#include <stdexcept>

#include "conveq/paths/path.hpp"
#include "conveq/paths/registry.hpp"

namespace conveq {
namespace {

template <typename T>
class UnavailablePath final : public Path<T> {
 public:
  UnavailablePath(std::string op, std::string algorithm, std::string reason, std::string backend)
      : op_(std::move(op)),
        algorithm_(std::move(algorithm)),
        reason_(std::move(reason)),
        backend_(std::move(backend)) {}
  std::string op() const override { return op_; }
  std::string algorithm() const override { return algorithm_; }
  std::string backend_name() const override { return backend_; }
  std::string skip_reason(const Problem& /*problem*/) const override { return reason_; }
  ConvGeometry geometry(const Problem& problem) const override { return conv2d_view(problem); }
  void prepare(const Problem&, const ConvData<T>&, int) override { unavailable(); }
  void run(T* /*output*/) override { unavailable(); }

 private:
  [[noreturn]] void unavailable() const {
    throw std::logic_error(this->name() + " cannot run: " + reason_);
  }
  std::string op_, algorithm_, reason_, backend_;
};

}  // namespace

template <typename T>
std::unique_ptr<Path<T>> make_unavailable_path(const std::string& op, const std::string& algorithm,
                                               const std::string& reason,
                                               const std::string& backend) {
  return std::make_unique<UnavailablePath<T>>(op, algorithm, reason, backend);
}
template std::unique_ptr<Path<float>> make_unavailable_path<float>(const std::string&,
                                                                   const std::string&,
                                                                   const std::string&,
                                                                   const std::string&);
template std::unique_ptr<Path<double>> make_unavailable_path<double>(const std::string&,
                                                                     const std::string&,
                                                                     const std::string&,
                                                                     const std::string&);

}  // namespace conveq
