package io.lmforge.pipeline;

/**
 * One source's record accounting: every input record ends in exactly one of the three outputs.
 *
 * @param input       records its readers reported
 * @param kept        rows of that source in {@code documents/}
 * @param rejected    rows in {@code rejected/}
 * @param quarantined rows in {@code quarantine/}
 */
public record SourceAccount(String source, long files, long bytes, long input, long kept, long rejected,
                            long quarantined) {

    public boolean balanced() {
        return input == kept + rejected + quarantined;
    }
}
