package io.lmforge.model.generate;

/**
 * Whether a prompt and the new tokens asked for fit a model's context (max-positions). One rule
 * for every caller ({@code generate}, the server's 400s), each wording its own message: nothing is
 * truncated, since positions past the context were never trained.
 */
public enum ContextFit {
    FITS,
    /** The prompt alone ({@code <bos>} included) fills the context: no room for a single new token. */
    PROMPT_TOO_LONG,
    /** The prompt fits, but not with that many new tokens. */
    TOO_MANY_NEW_TOKENS;

    public static ContextFit of(int promptTokens, long newTokens, int context) {
        if (promptTokens >= context) {
            return PROMPT_TOO_LONG;
        }
        return promptTokens + newTokens > context ? TOO_MANY_NEW_TOKENS : FITS;
    }
}
