package io.lmforge.model.nn;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.NormalInitializer;
import io.lmforge.model.quantize.Int8;

/**
 * Base of lmforge's blocks. Every parameter has a fixed shape known from the config, so DJL's
 * shape inference is not needed: children are initialised with the parent's input shapes and
 * blocks map (…, d) to (…, d) unless they say otherwise.
 */
public abstract class ModelBlock extends AbstractBlock {

    /** A weight matrix drawn from N(0, std²), as GPT-2, LLaMA and DeepSeek initialise them. */
    protected final Parameter weight(String name, double std, long... shape) {
        return addParameter(Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(shape)).optInitializer(new NormalInitializer((float) std)).build());
    }

    /** A norm gain, initialised to one. */
    protected final Parameter gain(String name, long size) {
        return addParameter(Parameter.builder().setName(name).setType(Parameter.Type.GAMMA)
                .optShape(new Shape(size)).optInitializer(Initializer.ONES).build());
    }

    /**
     * Before initialisation: makes {@code weight} (rows, …) a parameter of int8 codes without a
     * gradient and adds its float32 per-row scale, {@code <name>_scale}, which it returns.
     */
    protected final Parameter storeInt8(Parameter weight, long rows) {
        weight.setInitializer(Int8.ZEROS);
        weight.freeze(true);
        return addParameter(Parameter.builder().setName(weight.getName() + "_scale").setType(Parameter.Type.OTHER)
                .optShape(new Shape(rows)).optInitializer(Initializer.ONES).optRequiresGrad(false).build());
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        for (Block child : children.values()) {
            child.initialize(manager, dataType, inputShapes);
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }
}
