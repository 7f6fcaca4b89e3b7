package io.lmforge.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.lmforge.model.ModelConfig;
import io.lmforge.model.Scalars;

import java.util.ArrayList;
import java.util.List;

/**
 * A DeepSeekMoE layer (Dai et al., 2024), for each token u:
 *
 * <pre>
 *   s_i   = softmax_i(u · e_i)                                   router affinity, i = 1..N_r
 *   g_i   = s_i if s_i ∈ topK({s_j}, K) else 0
 *   h     = Σ_shared FFN_s(u) + Σ_i g_i FFN_i(u)
 *   L_bal = α Σ_i f_i P_i,   f_i = N_r/(K T) · #{tokens choosing i},   P_i = (1/T) Σ_t s_{i,t}
 * </pre>
 *
 * The shared experts are one SwiGLU of width {@code shared × expertWidth}: a sum of SwiGLUs with
 * disjoint hidden units is exactly one wider SwiGLU, and one large multiply is faster than several.
 */
public final class DeepSeekMoe extends ModelBlock {
    private final ModelConfig.Moe moe;
    private final Projection router;
    private final SwiGlu shared;
    private final List<SwiGlu> experts = new ArrayList<>();
    /**
     * Tokens up to which {@link #routedAsColumns} multiplies an expert's W₁₃ by its tokens as
     * columns; beyond (a prefill's blocks) {@code linear} is the faster (measured: CPU per multiply).
     */
    static final int MOST_COLUMNS = 8;

    public DeepSeekMoe(int hidden, ModelConfig.Moe moe, double initStd) {
        this.moe = moe;
        this.router = addChildBlock("router", new Projection(hidden, moe.routedExperts(), initStd));
        this.shared = moe.sharedExperts() > 0
                ? addChildBlock("shared", new SwiGlu(hidden, moe.sharedExperts() * moe.expertIntermediateSize(), initStd))
                : null;
        for (int e = 0; e < moe.routedExperts(); e++) {
            experts.add(addChildBlock("experts." + e, new SwiGlu(hidden, moe.expertIntermediateSize(), initStd)));
        }
    }

    /** What a MoE layer returns: the output and its balance loss (a scalar). */
    public record Output(NDArray hidden, NDArray balanceLoss, int[] expertCounts) {
    }

    /** @param x (B, T, d) */
    public Output forward(ParameterStore ps, NDArray x, boolean training) {
        return forward(ps, x, training, true);
    }

    /**
     * Cached inference ({@link DecoderLayer#forwardCached}): no balance loss, and the routed
     * experts run with the tokens as columns ({@link #routedAsColumns}) where every expert allows it.
     */
    Output forwardCached(ParameterStore ps, NDArray x) {
        return forward(ps, x, false, false, true);
    }

    /**
     * @param x           (B, T, d), or (N, d)
     * @param balanceLoss whether to compute the balance loss (null in the output when not): only
     *                    training and the loss report need it
     */
    public Output forward(ParameterStore ps, NDArray x, boolean training, boolean balanceLoss) {
        return forward(ps, x, training, balanceLoss, false);
    }

    private Output forward(ParameterStore ps, NDArray x, boolean training, boolean balanceLoss, boolean columns) {
        NDManager manager = x.getManager();
        long d = x.getShape().get(x.getShape().dimension() - 1);
        NDArray u = x.reshape(-1, d);                                          // (N, d)
        int n = (int) u.getShape().get(0);
        int k = moe.topK();

        NDArray affinity = router.forward(ps, u, training).softmax(-1);        // s: (N, E)
        NDList top = affinity.topK(k, -1, true, true);                         // (N, k) values, indices
        NDArray gates = top.get(0);
        if (moe.normalizeTopK()) {
            gates = gates.div(gates.sum(new int[]{-1}, true));
        }
        ExpertDispatch dispatch = ExpertDispatch.of(top.get(1).toLongArray(), k, moe.routedExperts());

        NDArray perSlot = columns && fewPerExpert(dispatch.counts()) && columnsAllowed()
                ? routedAsColumns(ps, u, gates, dispatch) : routedPerExpert(ps, u, gates, dispatch, training);
        NDArray routed = perSlot.reshape(n, k, d).sum(new int[]{1});
        NDArray h = shared != null ? shared.forward(ps, u, training).add(routed) : routed;
        return new Output(h.reshape(x.getShape()),
                balanceLoss ? balanceLoss(affinity, dispatch.counts(), n, manager) : null, dispatch.counts());
    }

    /** Gathers each expert's tokens into one block, runs the experts, puts the weighted outputs back: (N·k, d). */
    private NDArray routedPerExpert(ParameterStore ps, NDArray u, NDArray gates, ExpertDispatch dispatch, boolean training) {
        NDManager manager = u.getManager();
        NDArray sortedInput = u.get(manager.create(dispatch.tokens()));        // (N·k, d)
        NDArray sortedGates = gates.reshape(-1).get(manager.create(dispatch.order()));
        List<NDArray> outputs = new ArrayList<>();
        int start = 0;
        for (int e = 0; e < experts.size(); e++) {
            int count = dispatch.counts()[e];
            if (count > 0) {
                NDArray block = sortedInput.get(new NDIndex().addSliceDim(start, start + count));
                outputs.add(experts.get(e).forward(ps, block, training));
            }
            start += count;
        }
        NDArray sortedOutput = NDArrays.concat(new NDList(outputs), 0).mul(sortedGates.expandDims(1));
        return sortedOutput.get(manager.create(dispatch.inverse()));          // back to (token, choice) order
    }

    /**
     * What {@link #routedPerExpert} computes, for inference, with fewer engine calls and cheaper
     * multiplies when the experts get a few tokens each (a decode step of many rows, with or
     * without joiners). W₁₃ multiplies an expert's block of up to {@value #MOST_COLUMNS} tokens as
     * columns (W₁₃·blockᵀ: for 2 to 8 tokens about 60 % of the time of {@code linear},
     * {@link Projection#timesColumns}), a larger block with {@code linear}; the results, as rows,
     * are concatenated so that the SwiGLU activation runs once over all experts' tokens, not once
     * per expert; W₂ takes each expert's rows with {@code linear} (on a column slice of a wider
     * matrix the engine's multiply is over twice as slow). Same operations per element otherwise;
     * the multiplies sum in the engine's own order, so results agree to rounding.
     */
    private NDArray routedAsColumns(ParameterStore ps, NDArray u, NDArray gates, ExpertDispatch dispatch) {
        NDManager manager = u.getManager();
        NDArray sortedGates = gates.reshape(-1).get(manager.create(dispatch.order()));
        List<Integer> used = new ArrayList<>();
        List<Long> cuts = new ArrayList<>();
        long end = 0;
        for (int e = 0; e < experts.size(); e++) {
            int count = dispatch.counts()[e];
            if (count > 0) {
                if (end > 0) {
                    cuts.add(end);
                }
                used.add(e);
                end += count;
            }
        }
        long[] at = cuts.stream().mapToLong(Long::longValue).toArray();
        // Each expert's rows of the sorted input, seen as columns (d, count): a view, no copy.
        NDList blocks = split(u.get(manager.create(dispatch.tokens())).transpose(), at, 1);
        NDList gateUp = new NDList();
        for (int i = 0; i < used.size(); i++) {
            Projection w13 = experts.get(used.get(i)).gateUp();
            NDArray block = blocks.get(i);
            gateUp.add(block.getShape().get(1) <= MOST_COLUMNS ? w13.timesColumns(ps, block).transpose()     // (count, 2I)
                    : w13.forward(ps, block.transpose(), false));
        }
        NDList hidden = split(SwiGlu.activate(concatRows(gateUp), 1), at, 0);                               // (count, I) each
        NDList down = new NDList();
        for (int i = 0; i < used.size(); i++) {
            down.add(experts.get(used.get(i)).down().forward(ps, hidden.get(i), false));                      // (count, d)
        }
        NDArray sortedOutput = concatRows(down).mul(sortedGates.expandDims(1));
        return sortedOutput.get(manager.create(dispatch.inverse()));          // back to (token, choice) order
    }

    /**
     * Whether {@link #routedAsColumns} is the cheaper way: the experts get 2 tokens or more on
     * average. With about one each (a single row's decode step) the per-expert path is as fast,
     * and the shared activation would only add calls.
     */
    static boolean fewPerExpert(int[] counts) {
        int used = 0;
        int slots = 0;
        for (int c : counts) {
            used += c > 0 ? 1 : 0;
            slots += c;
        }
        return slots >= 2 * used;
    }

    private boolean columnsAllowed() {
        for (SwiGlu e : experts) {
            if (!e.gateUp().takesColumns()) {
                return false;
            }
        }
        return true;
    }

    /** The blocks of x along {@code axis} between the cuts. */
    private static NDList split(NDArray x, long[] cuts, int axis) {
        return cuts.length == 0 ? new NDList(x) : x.split(cuts, axis);
    }

    private static NDArray concatRows(NDList rows) {
        return rows.size() == 1 ? rows.singletonOrThrow() : NDArrays.concat(rows, 0);
    }

    /** α Σ f_i P_i; f is a count (no gradient), P carries the gradient to the router. */
    private NDArray balanceLoss(NDArray affinity, int[] counts, int tokens, NDManager manager) {
        int experts = counts.length;
        double[] f = new double[experts];
        for (int i = 0; i < experts; i++) {
            f[i] = (double) experts * counts[i] / ((double) moe.topK() * tokens);
        }
        NDArray fraction = manager.create(f).toType(affinity.getDataType(), false);
        NDArray meanAffinity = affinity.mean(new int[]{0});                    // P: (E)
        return Scalars.times(fraction.mul(meanAffinity).sum(), moe.auxLossWeight());
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        Output o = forward(ps, inputs.singletonOrThrow(), training);
        return new NDList(o.hidden(), o.balanceLoss());
    }

    public ModelConfig.Moe config() {
        return moe;
    }
}
