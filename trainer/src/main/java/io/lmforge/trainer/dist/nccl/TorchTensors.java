package io.lmforge.trainer.dist.nccl;

import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.Tensor;

/**
 * DJL's tensors seen through bytedeco's libtorch bindings, without a copy. DJL's
 * {@code PtNDArray.getHandle()} is the address of a {@code torch::Tensor}; when DJL runs on the
 * libtorch that {@code org.bytedeco:pytorch} ships (same 2.7.1: {@code PYTORCH_LIBRARY_PATH} set to
 * JavaCPP's extraction folder, {@code PYTORCH_VERSION=2.7.1}, {@code PYTORCH_FLAVOR=cpu} or the
 * CUDA flavour), that address can be read as a bytedeco {@link Tensor}, whose {@code data_ptr()}
 * is what NCCL reduces in place. The view does not own the tensor: DJL frees it.
 */
public final class TorchTensors {

    private TorchTensors() {
    }

    /** A non-owning bytedeco view of the {@code torch::Tensor} at {@code handle} (DJL's {@code getHandle()}). */
    public static Tensor view(long handle) {
        if (handle == 0) {
            throw new IllegalArgumentException("null tensor handle");
        }
        return new Tensor(new Address(handle));
    }

    /** The tensor's data pointer for NCCL; it must be contiguous fp32. */
    public static Pointer floatData(Tensor t) {
        if (!t.is_contiguous()) {
            throw new IllegalArgumentException("gradient is not contiguous; NCCL needs one flat buffer");
        }
        if (t.element_size() != Float.BYTES) {
            throw new IllegalArgumentException("gradient is not fp32 (element size " + t.element_size() + ")");
        }
        return t.data_ptr();
    }

    /** A bare native address as a JavaCPP pointer (JavaCPP keeps the address field protected). */
    private static final class Address extends Pointer {
        Address(long address) {
            this.address = address;
        }
    }
}
