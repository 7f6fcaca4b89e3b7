package io.lmforge.trainer;

import io.lmforge.trainer.data.DataPosition;

import java.util.List;
import java.util.Map;

/**
 * Everything besides tensors that a resumed run needs to continue exactly: the step, the data
 * stream position of every rank, the seed (the data order and the initialisation derive from it,
 * so seed + position is the whole random state), and early stopping's record.
 *
 * @param dataPositions one per rank, in rank order
 * @param model         the model config, to refuse resuming with a different architecture
 * @param lossScale     the dynamic loss scaler's state, null when the run does not scale the loss
 */
public record CheckpointState(long step, long tokensSeen, List<DataPosition> dataPositions, long seed,
                              double bestValidationLoss, long bestStep, int evaluationsWithoutImprovement,
                              long optimizerStep, Map<String, Object> model, DynamicLossScaler.State lossScale) {
}
