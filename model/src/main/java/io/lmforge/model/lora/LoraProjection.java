package io.lmforge.model.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.UniformInitializer;
import ai.djl.util.PairList;
import io.lmforge.model.Scalars;
import io.lmforge.model.nn.ModelBlock;
import io.lmforge.model.nn.ProjectionAdapter;

import java.util.ArrayList;
import java.util.List;

/**
 * The LoRA term of one projection W (out × in) whose rows are {@code segments.size()} equal
 * blocks (q, k, v of a fused {@code wqkv}; gate, up of {@code w13}; one block otherwise). Each
 * targeted block i gets A_i (r × in) and B_i (out/n × r), named {@code lora_A.T} and
 * {@code lora_B.T} after its target T, and adds s · B_i A_i x to its rows only.
 *
 * <p>A is drawn from U(−1/√in, 1/√in) and B is zero, PEFT's default, so the term is exactly 0 until
 * the first update.
 */
final class LoraProjection extends ModelBlock implements ProjectionAdapter {
    private final List<String> segments;
    private final List<Integer> targeted = new ArrayList<>();
    private final List<Parameter> down = new ArrayList<>();
    private final List<Parameter> up = new ArrayList<>();
    private final long rowsPerSegment;
    private final double scale;
    private final double dropout;

    LoraProjection(long in, long out, List<String> segments, LoraConfig config) {
        this.segments = segments;
        this.rowsPerSegment = out / segments.size();
        this.scale = config.scale();
        this.dropout = config.dropout();
        for (int i = 0; i < segments.size(); i++) {
            String target = segments.get(i);
            if (config.targets().contains(target)) {
                targeted.add(i);
                down.add(parameter("lora_A." + target, new UniformInitializer((float) (1 / Math.sqrt(in))), config.rank(), in));
                up.add(parameter("lora_B." + target, Initializer.ZEROS, rowsPerSegment, config.rank()));
            }
        }
    }

    private Parameter parameter(String name, Initializer init, long... shape) {
        return addParameter(Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(shape)).optInitializer(init).build());
    }

    boolean adaptsAnything() {
        return !targeted.isEmpty();
    }

    @Override
    public NDArray adapt(ParameterStore ps, NDArray x, NDArray base, boolean training) {
        NDArray in = training && dropout > 0 ? Dropout.dropout(x, (float) dropout, true).singletonOrThrow() : x;
        if (segments.size() == 1) {
            return base.add(term(ps, in, 0, training));
        }
        NDList parts = base.split(segments.size(), base.getShape().dimension() - 1);
        NDList adapted = new NDList(parts.size());
        for (int i = 0, t = 0; i < parts.size(); i++) {
            boolean hit = t < targeted.size() && targeted.get(t) == i;
            adapted.add(hit ? parts.get(i).add(term(ps, in, t++, training)) : parts.get(i));
        }
        return NDArrays.concat(adapted, base.getShape().dimension() - 1);
    }

    /** s · (x A_tᵀ) B_tᵀ: the rank-r product first, so no out × in matrix is formed. */
    private NDArray term(ParameterStore ps, NDArray x, int t, boolean training) {
        NDArray a = ps.getValue(down.get(t), x.getDevice(), training);
        NDArray b = ps.getValue(up.get(t), x.getDevice(), training);
        NDArray low = x.getNDArrayInternal().linear(x, a, null).singletonOrThrow();
        return x.getNDArrayInternal().linear(Scalars.times(low, scale), b, null).singletonOrThrow();
    }

    /** W ← W + s · B_i A_i on each targeted block's rows (W is the projection's weight, in place). */
    void mergeInto(NDArray weight) {
        for (int t = 0; t < targeted.size(); t++) {
            long from = targeted.get(t) * rowsPerSegment;
            NDIndex rows = new NDIndex("{}:{}", from, from + rowsPerSegment);
            NDArray delta = Scalars.times(up.get(t).getArray().matMul(down.get(t).getArray()), scale);
            weight.set(rows, weight.get(rows).add(delta.toType(weight.getDataType(), false)));
        }
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        throw new UnsupportedOperationException("called by the projection it is attached to");
    }
}
