package io.lmforge.model.nn;

/**
 * Groups a batch's (token, choice) slots by routed expert: DJL has no {@code scatter_add} or
 * {@code index_add}, so the MoE layer gathers the tokens of each expert into one contiguous
 * block, runs the experts on their blocks, and gathers the outputs back with the inverse
 * permutation. Computed on the host from the top-k indices (a stable counting sort), so the
 * order, and therefore every floating-point sum, is deterministic.
 *
 * @param counts  tokens routed to each expert
 * @param order   slot ids (token · k + choice) sorted by expert, stable
 * @param tokens  the token of each sorted slot ({@code order[i] / k})
 * @param inverse position in {@code order} of each slot
 */
public record ExpertDispatch(int[] counts, long[] order, long[] tokens, long[] inverse) {

    /** @param experts the chosen expert of each slot, row-major (N, k) */
    public static ExpertDispatch of(long[] experts, int k, int numExperts) {
        int slots = experts.length;
        int[] counts = new int[numExperts];
        for (long e : experts) {
            counts[(int) e]++;
        }
        int[] next = new int[numExperts];
        for (int e = 1; e < numExperts; e++) {
            next[e] = next[e - 1] + counts[e - 1];
        }
        long[] order = new long[slots];
        long[] tokens = new long[slots];
        long[] inverse = new long[slots];
        for (int slot = 0; slot < slots; slot++) {
            int pos = next[(int) experts[slot]]++;
            order[pos] = slot;
            tokens[pos] = slot / k;
            inverse[slot] = pos;
        }
        return new ExpertDispatch(counts, order, tokens, inverse);
    }
}
