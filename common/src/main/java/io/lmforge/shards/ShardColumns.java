package io.lmforge.shards;

/**
 * Column names of the token shards ({@code OUT/shards/{train,val}/*.parquet}): written by the
 * shards stage, read by the trainer. Both sides name them through these constants.
 */
public final class ShardColumns {
    /** {@code list<int32>}: {@code seq_len + 1} token ids; inputs are [0, seq_len), targets [1, seq_len]. */
    public static final String INPUT_IDS = "input_ids";
    /** {@code string}: the domain of every token of the sequence (sequences never mix domains). */
    public static final String DOMAIN = "domain";
    /** {@code list<int32>}: the positions where a document's bos token is. */
    public static final String DOC_STARTS = "doc_starts";
    /**
     * {@code list<int8>}, only in supervised fine-tuning shards ({@link ShardManifest#lossMasked()}):
     * {@code seq_len + 1} flags aligned with {@link #INPUT_IDS}; 1 where the token is one the model
     * is trained to predict (a response token or the eos ending it), 0 for bos, context and
     * padding. The target at input position t is token t + 1 and counts in the loss iff
     * {@code loss_mask[t + 1] = 1}. Shards without the column score every target but padding.
     */
    public static final String LOSS_MASK = "loss_mask";

    private ShardColumns() {
    }
}
