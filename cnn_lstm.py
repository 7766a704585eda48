"""LSTM and a convolutional layer for sequence classification of the IMDB movie reviews.

The simple LSTM with a one-dimensional convolution in front: 32 filters each
look at three neighbouring words, and max pooling halves the sequence, so the
LSTM reads shorter sequences of local features.

Gets to 88.73 % test accuracy after 3 epochs (mean of 5 seeds, 88.68-88.79 %), 11 s/epoch on a 2-core CPU.
"""

import helpers.startup  # noqa: F401 (first: keeps TensorFlow's start-up notices off the terminal)

import keras
from keras import layers

import common
from helpers import flags, records, report, saving, shell, training

# The tutorial's values. The flags of the same names (--top-words, --max-len, ...) take their defaults from
# the constants of this block and the next (flags.Recipe.of_script).
TOP_WORDS = 5000  # keep the 5,000 most frequent word indices, the rest become "unknown"
MAX_REVIEW_LENGTH = 500  # a longer review is cut to its last 500 words (--truncating post: its first)
EPOCHS = 3
BATCH_SIZE = 64
SEED = 7  # the tutorial's numpy.random.seed(7)
LEARNING_RATE = 0.001  # Adam's default step, the tutorial's optimizer='adam'
# Not the tutorial's (none with --literal): Adam's gradient norm is clipped to this.
GRADIENT_CLIP_NORM = 1.0
# Not the tutorial's, for your own data (--data); the defaults of the flags of the same names.
TRUNCATING = "pre"  # a longer text loses its first words, as the tutorial's pad_sequences; "post": its last
VALIDATION_SPLIT = 0.0  # the tutorial trains on every training text; the README's own-data recipe holds out 0.1
PATIENCE = 12  # with a validation split: epochs without a better validation loss before training stops
PLATEAU_PATIENCE = 3  # ... before Adam's step is halved, well before stopping
TEXT_COLUMN = "text"  # a table's column (or JSONL key) that holds the text
LABEL_COLUMN = "label"  # ... and the one that holds its class

# The model's sizes, as in the tutorial's listing.
EMBEDDING_VECTOR_LENGTH = 32  # each word index becomes a vector of 32 numbers
CONVOLUTION_FILTERS = 32  # feature maps of the convolution
KERNEL_SIZE = 3  # words each filter looks at
POOL_SIZE = 2  # max pooling keeps the larger of each two neighbouring outputs
LSTM_UNITS = 100  # the LSTM layer's memory units

# Conv1D and pooling cannot carry a mask: the padding stays unmasked, in front of the text, as in the tutorial.
MASK_PADDING = False


def build_model(config):
    model = keras.Sequential(
        [
            # Keras 3: an Input of any length replaces Embedding's input_length=500.
            keras.Input(shape=(None,), dtype="int32"),
            # No mask_zero here: Conv1D and pooling cannot carry a mask, so the padding is
            # only kept short by batching reviews of similar length (not with --literal).
            layers.Embedding(config.top_words, EMBEDDING_VECTOR_LENGTH),
            layers.Conv1D(CONVOLUTION_FILTERS, KERNEL_SIZE, padding="same", activation="relu"),
            layers.MaxPooling1D(POOL_SIZE),
            layers.LSTM(LSTM_UNITS),
            # Dense(1, sigmoid) for two classes; a sigmoid for each label when a text has several (multi_label).
            common.output_layer(config.num_classes, config.multi_label),
        ]
    )
    model.compile(
        loss=config.loss(),  # binary cross-entropy for two classes, and for each label of several
        # Differs from the tutorial (off with --literal; see docs/tutorial.md): Adam's step falls to 0
        # over the epochs (with --validation-split, training.callbacks halves it when the
        # validation loss stalls instead), so that no run ends on a noisy step, and its
        # gradient norm is clipped, against loss jumps that can stall a run.
        optimizer=keras.optimizers.Adam(
            learning_rate=config.learning_rate(LEARNING_RATE), clipnorm=config.clipnorm(GRADIENT_CLIP_NORM)
        ),
        metrics=[config.metric()],  # the tutorial's "accuracy"; macro-F1 for several labels a text
    )
    return model


def main(argv=None):
    """The tutorial's listing, for one seed; returns the test figures (common.evaluate)."""
    # The listing's constants become flags, with the constants above as their defaults.
    args = flags.parse(argv, __file__, __doc__, flags.Recipe.of_script(globals()))
    common.set_seed(args.seed)  # numpy.random.seed(7)
    # imdb.load_data(num_words=top_words), or your own texts with --data; then, not the listing's,
    # --limit, the data summary and --validation-split's held-out texts.
    data = common.load_data(args)
    # sequence.pad_sequences(X_train, maxlen=max_review_length), and X_test's: here each batch of BATCH_SIZE
    # texts of similar length is padded to about its longest (--literal: every text to MAX_REVIEW_LENGTH);
    # by default, --class-weight travels in the training batches (as row weights).
    train_batches, validation_batches, test_batches = common.pad_and_truncate(data, args, MASK_PADDING)
    model = build_model(common.model_config(args, data, MASK_PADDING))
    model.summary()
    # model.fit(X_train, y_train, epochs=3, batch_size=64). By default (not the listing's), X_train is batches of
    # BATCH_SIZE texts that hold their labels (y_train None) and shuffle themselves each epoch; with --literal,
    # the listing's arrays, which Keras batches and shuffles.
    history = model.fit(
        train_batches.x,  # X_train
        train_batches.y,  # y_train; None by default: the batches hold the labels
        batch_size=train_batches.batch_size,  # --batch-size with --literal; None by default: the batches are made
        epochs=args.epochs,
        shuffle=train_batches.shuffle,  # True with --literal; False by default: the batches shuffle themselves
        class_weight=train_batches.class_weight,  # --class-weight with --literal; by default in the batches
        validation_data=validation_batches,  # not the listing's: None unless --validation-split
        # Not the listing's: with --validation-split, early stopping and the halved step; each epoch's time;
        # Ctrl-C; --watch-test; and a first predict that checks --max-len suits the model.
        callbacks=training.callbacks(args, model, test_batches, data.class_names),
        verbose=args.verbose,
    )
    # Not the listing's: with several labels a text, the probability each label needs, chosen on the validation texts.
    thresholds = common.choose_thresholds(model, data, args, MASK_PADDING)
    scores = common.evaluate(model, test_batches, data.class_names, thresholds)  # model.evaluate(X_test, y_test)
    if data.multi_label:  # not the listing's: accuracy says little of several labels a text; F1 does
        report.print_f1(scores, data.class_names)  # each label's figures, then the three lines
    else:
        print(f"Accuracy: {scores['accuracy'] * 100:.2f}%", flush=True)  # print("Accuracy: %.2f%%" % (scores[1]*100))
    # Not in the listing: each class's figures, the run's record (--results-dir), the model (--save).
    report.print_each_class(scores, data.class_names)
    records.write_record(args, data, model, history, scores)
    saving.save(model, args, data)
    return scores


if __name__ == "__main__":
    shell.run(main)  # not in the listing: one line for a mistake, Ctrl-C, and --runs N calling main() per seed
