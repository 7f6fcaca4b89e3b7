package io.lmforge.trainer.data;

/**
 * One packed training window: {@code tokens.length = seqLen + 1} (inputs are tokens[0, seqLen),
 * targets tokens[1, seqLen]); {@code docStarts} are the positions where a document begins.
 *
 * @param lossMask null: every target counts (pre-training shards); else the shards'
 *                 {@code loss_mask}, aligned with {@code tokens}: the target token at position p
 *                 counts in the loss iff {@code lossMask[p] != 0} (supervised fine-tuning)
 */
public record TokenWindow(int[] tokens, String domain, int[] docStarts, byte[] lossMask) {

    /** A window whose every target counts. */
    public TokenWindow(int[] tokens, String domain, int[] docStarts) {
        this(tokens, domain, docStarts, null);
    }

    /** Whether the token at {@code position} is a target the loss counts (positions 1 to seqLen). */
    public boolean scored(int position) {
        return lossMask == null || lossMask[position] != 0;
    }

    /**
     * The part {@code [from, from + length]} (length + 1 tokens), for training on shorter contexts
     * than the shards were packed for; document starts are shifted, and a document that began
     * before the part now begins at 0.
     */
    public TokenWindow slice(int from, int length) {
        int[] t = java.util.Arrays.copyOfRange(tokens, from, from + length + 1);
        int n = 0;
        int[] starts = new int[docStarts.length + 1];
        starts[n++] = 0;
        for (int s : docStarts) {
            if (s > from && s < from + length) {
                starts[n++] = s - from;
            }
        }
        byte[] mask = lossMask == null ? null : java.util.Arrays.copyOfRange(lossMask, from, from + length + 1);
        return new TokenWindow(t, domain, java.util.Arrays.copyOf(starts, n), mask);
    }

    /** Document number of each input position (0, 0, 1, 1, 1, 2, ...), for the document mask. */
    public int[] documentIds(int length) {
        int[] ids = new int[length];
        int doc = 0;
        int next = 0;
        int[] starts = docStarts.clone();
        java.util.Arrays.sort(starts);
        for (int i = 0; i < length; i++) {
            while (next < starts.length && starts[next] <= i) {
                if (starts[next] > 0) {
                    doc++;
                }
                next++;
            }
            ids[i] = doc;
        }
        return ids;
    }
}
