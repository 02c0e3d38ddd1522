"""PyTorch on CPU, the peer of bench/train: steps per second of the same two
models, the same batch sizes, plain SGD. Prints one JSON object."""
import json
import sys
import time

import torch

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
mlp_steps = int(sys.argv[2]) if len(sys.argv) > 2 else 300
perceptron_steps = int(sys.argv[3]) if len(sys.argv) > 3 else 20000
torch.set_num_threads(threads)
torch.manual_seed(1)
dtype = torch.float64  # relax trains in double precision


def rate(step, steps):
    for _ in range(min(20, steps)):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return steps / (time.perf_counter() - start)


# MLP 784-256-10, ReLU, softmax cross-entropy, batch 128, on a Gaussian
# mixture like relax's; in double precision (as relax) and in single
# precision (PyTorch's usual).
def mlp_stepper(dtype):
    N = 6400
    x = torch.randn(N, 784, dtype=dtype)
    y = torch.randint(0, 10, (N,))
    x[torch.arange(N), y] += 3.0
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(),
                                torch.nn.Linear(256, 10)).to(dtype)
    optimiser = torch.optim.SGD(model.parameters(), lr=0.05)
    loss_function = torch.nn.CrossEntropyLoss()

    def mlp_step():
        batch = torch.randint(0, N, (128,))
        optimiser.zero_grad(set_to_none=True)
        loss = loss_function(model(x[batch]), y[batch])
        loss.backward()
        optimiser.step()
    return mlp_step


# The 2-weight perceptron, logistic loss, batch 32.
xp = torch.randn(100, 2, dtype=dtype)
yp = torch.sign(xp[:, 0])
w = torch.tensor([1.0, 2.0], dtype=dtype, requires_grad=True)
perceptron_optimiser = torch.optim.SGD([w], lr=0.5)


def perceptron_step():
    batch = torch.randint(0, 100, (32,))
    perceptron_optimiser.zero_grad(set_to_none=True)
    loss = torch.nn.functional.softplus(-yp[batch] * (xp[batch] @ w)).mean()
    loss.backward()
    perceptron_optimiser.step()


mlp64 = rate(mlp_stepper(torch.float64), mlp_steps)
mlp32 = rate(mlp_stepper(torch.float32), mlp_steps)
# The BLAS libraries this process has loaded (Debian's torch is built
# against the generic libblas.so.3, which the alternatives resolve).
with open("/proc/self/maps") as maps:
    blas = sorted({line.split()[-1] for line in maps if "blas" in line.split()[-1]})
print(json.dumps({
    "torch": torch.__version__,
    "threads": torch.get_num_threads(),
    "blas": ", ".join(blas) if blas else "unknown",
    "mlp steps per second": mlp64,
    "mlp float32 steps per second": mlp32,
    "perceptron steps per second": rate(perceptron_step, perceptron_steps),
}))
