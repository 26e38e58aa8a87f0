#pragma once
/* The C interface between conveq and its LibTorch plugin, libconveq_torch.so. conveq opens the
 * plugin with dlopen only when a torch path is selected: loading LibTorch's shared libraries
 * costs about 345 ms, which no other run should pay. Plain C types only, so that no C++ ABI
 * and no exception crosses the boundary. */
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Raised whenever a struct or a function below changes. */
#define CONVEQ_TORCH_PLUGIN_ABI 1
#define CONVEQ_TORCH_PLUGIN_ENTRY "conveq_torch_plugin_entry"

enum conveq_torch_op {
  CONVEQ_TORCH_CONV1D = 0, /* at::conv1d on (N, C, W) */
  CONVEQ_TORCH_CONV2D = 1, /* at::conv2d on (N, C, H, W) */
  CONVEQ_TORCH_LINEAR = 2  /* at::linear on (N*W, C), channels-last */
};

enum conveq_torch_dtype { CONVEQ_TORCH_FLOAT32 = 0, CONVEQ_TORCH_FLOAT64 = 1 };

/* One convolution as a formulation sees it. The paddings are both sides' (a pair that differs
 * is PyTorch's padding='same', the odd extra at the end). The tensors are conveq's own,
 * wrapped without a copy; LibTorch never writes them. */
struct conveq_torch_problem {
  int32_t op, dtype, threads;
  int64_t batch, in_channels, out_channels, groups;
  int64_t h, w, kh, kw, sh, sw, dh, dw;
  int64_t pad_top, pad_bottom, pad_left, pad_right;
  int64_t oh, ow;
  const void* input;  /* (N, C, H, W); conv1d: (N, C, W); linear: (N*W, C) */
  const void* weight; /* (O, C/groups, KH, KW); conv1d: (O, C/groups, KW); linear: (O, C) */
  const void* bias;   /* (O,), or null */
};

struct conveq_torch_info {
  char version[64];
  char implementation[256];
  int32_t threads;
};

struct conveq_torch_plugin {
  int32_t abi; /* CONVEQ_TORCH_PLUGIN_ABI */
  /* Prepares a call (sets LibTorch's threads); null with `error` filled when it cannot. */
  void* (*create)(const struct conveq_torch_problem* problem, char* error, size_t error_size);
  /* The at:: call alone, into LibTorch's own output tensor; 0 on success. */
  int (*run)(void* call, char* error, size_t error_size);
  /* Copies the last run's output, (N, O, OH, OW) (linear: (N*W, O)), into `output`; 0 on
   * success, when its shape is the one expected. */
  int (*copy_output)(void* call, void* output, char* error, size_t error_size);
  void (*describe)(void* call, struct conveq_torch_info* info);
  void (*destroy)(void* call);
};

typedef const struct conveq_torch_plugin* (*conveq_torch_plugin_entry_fn)(void);

#ifdef __cplusplus
}
#endif
