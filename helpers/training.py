"""The callbacks model.fit() gets, none of them the tutorial's: early stopping, the plateau rule, timing, Ctrl-C."""

import time

import keras
import numpy as np

from helpers import batches, multi_label, report, shell, text_encoding

PLATEAU_FACTOR = 0.5  # the 'plateau' schedule halves the step when the validation loss stalls,
PLATEAU_MIN_FRACTION = 0.01  # down to a hundredth of the first step


class RunWatcher(keras.callbacks.Callback):
    """Checks the model can read a text of max_len tokens, times each epoch and stops on a swallowed Ctrl-C.

    With --watch-test it measures the test set after each epoch. At the end it
    adds each epoch's seconds and the epoch kept to the History fit returns.
    """

    def __init__(self, args, test_batches, class_names, early_stopping):
        super().__init__()
        self.args = args
        self.test_batches = test_batches
        self.class_names = class_names
        self.early_stopping = early_stopping
        self.seconds = []

    def on_train_begin(self, logs=None):
        # A --max-len too short for the model's pooling is one line, not a backend's traceback. The predict draws
        # the RNN's dropout masks (Keras draws them even when predicting): the numbers count on it being here.
        max_len = self.args.max_len
        if max_len is None:
            return  # a model of whole texts (baseline.py)
        longest = [np.full(max_len, text_encoding.START_INDEX, np.int32)]
        try:
            batches.padded_batches(longest, np.zeros(1, np.int32), 1, max_len, "pre", self.args.literal, True).predict(
                self.model
            )
        except Exception as error:  # each backend raises its own kind for a sequence that cannot be pooled
            raise shell.UsageError(
                f"--max-len {max_len} is too short for the model of {self.args.script} "
                f"({type(error).__name__} on a text of {max_len} tokens); give a larger --max-len"
            )

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        shell.stop_if_interrupted()  # a Ctrl-C that a library swallowed still stops the run

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.started)  # the epoch's own time, without the watching
        if logs is None:
            return
        # Adam's step after the epoch, as the plateau rule logs it, for every schedule (a record's learning curve).
        logs.setdefault("learning_rate", float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)))
        if self.args.watch_test:  # watched, not changed: predicting draws dropout masks, whose state comes back
            state = [keras.ops.convert_to_numpy(variable) for variable in self.model.non_trainable_variables]
            test = self.test_batches
            scores = report.test_figures(test.predict(self.model), test.labels, self.class_names)
            logs["test_loss"] = scores["loss"]
            headline = "macro_f1" if "macro_f1" in scores else "accuracy"  # several labels a text, or one
            logs[f"test_{headline}"] = scores[headline]
            for variable, value in zip(self.model.non_trainable_variables, state):
                variable.assign(value)

    def on_train_end(self, logs=None):
        history = self.model.history
        history.history["seconds"] = self.seconds
        history.best_epoch = None
        if self.early_stopping is not None and self.early_stopping.best_weights is not None:
            history.best_epoch = self.early_stopping.best_epoch + 1
            kept = f"epoch {history.best_epoch} of {len(self.seconds)}"
            print(f"Kept the weights of {kept}, the best on the validation texts.")
        seconds = sum(self.seconds)
        per_epoch = sum(self.seconds) / max(1, len(self.seconds))
        per_epoch = f"{per_epoch:.0f}" if per_epoch >= 10 else f"{per_epoch:.1f}"  # a fast epoch is not "0 s"
        print(f"Training completed in {seconds / 60:.2f} minutes ({per_epoch} s/epoch).", flush=True)


def callbacks(args, model, test_batches, class_names):
    """Not the tutorial's: with --validation-split, the step halved when the validation loss stalls ('plateau')
    and early stopping that keeps the best epoch; always, RunWatcher (last: it reads what the others did).
    A model left uncompiled, or unmasked where MASK_PADDING says it masks, is refused first, in one line."""
    if not model.compiled:  # a build_model() of the user's that returns before compiling
        raise shell.UsageError(f"build_model() in {args.script} must compile the model before returning it")
    if getattr(test_batches, "padding", "pre") == "post" and not batches.masks_padding(model):
        raise shell.UsageError(  # the LSTM would read the padding last, unmasked
            f"{args.script}'s MASK_PADDING is True but its model does not mask the padding "
            "(Embedding(mask_zero=config.mask_padding)); mask it, or set MASK_PADDING = False"
        )
    # Keras' EarlyStopping only warns of a figure it does not find, and then never stops: refused here instead.
    if args.monitor == "val_macro_f1" and not multi_label.watches_macro_f1(model):
        raise shell.UsageError(
            "--monitor val_macro_f1 needs several labels a text and a model compiled with "
            "metrics=[config.metric()]; leave it out otherwise"
        )
    chosen = []
    early_stopping = None
    watched = dict(monitor=args.monitor, mode="max" if args.monitor == "val_macro_f1" else "min")
    if args.validates:
        if args.learning_rate_schedule == "plateau":
            # A step that suits the first epochs is too large once the validation loss stalls:
            # halve it then, rather than decay it over EPOCHS, an upper bound that training rarely reaches.
            least = float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)) * PLATEAU_MIN_FRACTION
            options = dict(factor=PLATEAU_FACTOR, patience=args.plateau_patience, verbose=1 if args.verbose else 0)
            chosen.append(keras.callbacks.ReduceLROnPlateau(min_lr=least, **watched, **options))
        early_stopping = keras.callbacks.EarlyStopping(patience=args.patience, restore_best_weights=True, **watched)
        chosen.append(early_stopping)
    return chosen + [RunWatcher(args, test_batches, class_names, early_stopping)]


def class_weight(args, labels):
    """With --class-weight balanced, each class weighs as much in the loss as the others, however few its texts.
    With several labels a text, the loss weighs each label instead (common.ModelConfig.loss)."""
    if args.class_weight != "balanced" or labels.ndim == 2:
        return None
    counts = np.bincount(labels)
    return {label: len(labels) / (len(counts) * count) for label, count in enumerate(counts) if count}
