"""The libcst visitor of stage 1: gathers a module's imports, bindings and classes.

Only module-level code, the bodies of top-level classes (their constants) and their
``__init__`` are read for values; other functions are read only for audio front-end calls,
feature sites (:mod:`.feature_sites`) and the callees they construct.
Statements under ``if`` carry their conditions; ``if __name__ == "__main__"`` blocks are read
only for config writes and feature sites, ``except`` handlers are skipped (the ``try`` body is
the path a model is built on).
"""

from __future__ import annotations

import libcst as cst

from auditor.extract.python.convert import ExpressionConverter, source_text
from auditor.extract.python.expressions import BinOp, Call, Expr, Name, Opaque, Seq
from auditor.extract.python.feature_sites import (
    LAYER_KEYWORDS,
    is_loader_callee,
    is_resample_callee,
    layer_read,
    layers_deleted,
    may_name_a_path,
)
from auditor.extract.python.frames import ClassBuilder, Frame
from auditor.extract.python.lines import LineCounter
from auditor.extract.python.names import QualifiedNames
from auditor.extract.python.summary import (
    Binding,
    CallSite,
    ClassSummary,
    Condition,
    ConfigWrite,
    Function,
    Import,
    KwargDefault,
    LayerPick,
    ModuleSummary,
    Submodule,
)
from auditor.extract.python.syntax import (
    AUGMENTED,
    MUTATORS,
    added_module,
    config_keys,
    dotted,
    is_audio_callee,
    is_main_guard,
    kwargs_lookup,
    list_of,
    self_attr,
    target_names,
)


class SummaryVisitor(LineCounter):
    """Collects a :class:`ModuleSummary`; read it from :meth:`summary` after visiting."""

    def __init__(self, names: QualifiedNames) -> None:
        super().__init__()
        self._names = names
        self._expr = ExpressionConverter(self._qualified, self._line, names.within)
        self._frames: list[Frame] = [Frame("module", "<module>", 0)]
        self._conditions: list[Condition] = []
        self._tests: dict[int, Expr] = {}
        self._loops = 0
        self._order = 0
        self._imports: list[Import] = []
        self._bindings: list[Binding] = []
        self._classes: list[ClassSummary] = []
        self._functions: list[Function] = []
        self._sites: list[CallSite] = []
        self._callees: set[str] = set()
        self._writes: list[ConfigWrite] = []
        self._resamples: list[CallSite] = []
        self._loads: list[CallSite] = []
        self._picks: list[LayerPick] = []

    def summary(self) -> ModuleSummary:
        """What the visit gathered."""
        summary = ModuleSummary(
            imports=tuple(self._imports),
            bindings=tuple(self._bindings),
            classes=tuple(self._classes),
            functions=tuple(self._functions),
            audio_calls=tuple(self._sites),
            callees=tuple(sorted(self._callees)),
            config_writes=tuple(self._writes),
            resample_calls=tuple(self._resamples),
            loader_calls=tuple(self._loads),
            layer_picks=tuple(self._picks),
        )
        return self.resolved(summary)

    # -- metadata helpers
    def _line(self, node: cst.CSTNode) -> int:
        if isinstance(node, (cst.Arg, cst.Param)):  # converted before the walk reaches them
            return self.line_ahead(node)
        return self.line(node)

    def _qualified(self, node: cst.BaseExpression) -> str:
        return self._names.of(node) or dotted(node) or ""

    def _next(self) -> int:
        self._order += 1
        return self._order

    @property
    def _frame(self) -> Frame:
        return self._frames[-1]

    def _frame_conditions(self) -> tuple[Condition, ...]:
        return tuple(self._conditions[self._frame.conditions_from :])

    # -- scopes
    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self._names.at(node)
        frame = self._frame
        if frame.kind == "module":
            bases = tuple(self._qualified(b.value) for b in node.bases if b.keyword is None)
            builder = ClassBuilder(node.name.value, bases, self._line(node))
            self._frames.append(Frame("class", node.name.value, len(self._conditions), builder))
        else:
            self._frames.append(Frame("other", f"{frame.name}.{node.name.value}", 0))
        self._names.enter(node)
        return True

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._names.leave()
        frame = self._frames.pop()
        if frame.cls is not None:
            self._classes.append(frame.cls.build())

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        frame = self._frame
        self._names.at(node)
        signature = self._expr.signature(node)
        name = node.name.value
        if frame.kind == "class" and name == "__init__" and frame.cls is not None:
            frame.cls.init = signature
            frame.cls.kwargs = next((p.name for p in signature.params if p.kind == "**"), None)
            self._frames.append(Frame("init", f"{frame.name}.__init__", len(self._conditions)))
            self._frames[-1].cls = frame.cls
            return True
        if frame.kind == "module":
            self._functions.append(signature)
        scope = name if frame.kind == "module" else f"{frame.name}.{name}"
        self._frames.append(Frame("function", scope, len(self._conditions)))
        self._frame.assigned.update(p.name for p in signature.params)
        return True

    def visit_FunctionDef_body(self, node: cst.FunctionDef) -> None:
        self._names.enter(node)  # defaults, annotations and decorators are read outside

    def leave_FunctionDef_body(self, node: cst.FunctionDef) -> None:
        self._names.leave()

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        frame = self._frames.pop()
        shadowed = tuple(sorted(frame.assigned))
        for call, line in frame.sites:
            self._sites.append(CallSite(frame.name, call, line, shadowed))
        if frame.kind == "init" and frame.cls is not None and frame.cls.init is not None:
            local = {p.name for p in frame.cls.init.params} | {b.name for b in frame.cls.locals}
            shadowed = tuple(sorted(local | frame.assigned))
        self._flush_features(frame, frame.name, shadowed)

    def _flush_features(self, frame: Frame, scope: str, shadowed: tuple[str, ...]) -> None:
        """The feature sites of a scope that ends, with its local names."""
        self._resamples.extend(
            CallSite(scope, call, line, shadowed) for call, line in frame.resamples
        )
        self._loads.extend(CallSite(scope, call, line, shadowed) for call, line in frame.loads)
        self._picks.extend(
            LayerPick(scope, target, how, value, line, shadowed)
            for target, how, value, line in frame.picks
        )
        frame.resamples.clear()
        frame.loads.clear()
        frame.picks.clear()

    def _enter_scope(self, node: cst.CSTNode) -> None:
        """A lambda or a comprehension binds names of its own."""
        self._names.enter(node)

    def _leave_scope(self, original_node: cst.CSTNode) -> None:
        self._names.leave()

    visit_Lambda = visit_ListComp = visit_SetComp = visit_DictComp = _enter_scope
    visit_GeneratorExp = _enter_scope
    leave_Lambda = leave_ListComp = leave_SetComp = leave_DictComp = _leave_scope
    leave_GeneratorExp = _leave_scope

    # -- control flow
    def _begin_statement(self, node: cst.CSTNode) -> None:
        """A name bound by a later statement of the scope is not the one this one reads."""
        self._names.at(node)

    visit_SimpleStatementLine = visit_Try = visit_With = _begin_statement

    def visit_If(self, node: cst.If) -> bool:
        self._names.at(node)
        if self._frame.kind == "module" and is_main_guard(node.test):
            # a script's main block binds no module value; only config writes are read there
            self._frames.append(Frame("script", "<main>", len(self._conditions)))
        self._tests[id(node)] = self._expr.convert(node.test)
        return True

    def leave_If(self, original_node: cst.If) -> None:
        if self._frame.kind == "script" and is_main_guard(original_node.test):
            frame = self._frames.pop()
            self._flush_features(frame, "<main>", tuple(sorted(frame.assigned)))

    def visit_If_body(self, node: cst.If) -> None:
        self._conditions.append(Condition(self._tests[id(node)], True))

    def leave_If_body(self, node: cst.If) -> None:
        self._conditions.pop()

    def visit_If_orelse(self, node: cst.If) -> None:
        self._conditions.append(Condition(self._tests[id(node)], False))

    def leave_If_orelse(self, node: cst.If) -> None:
        self._conditions.pop()

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> bool:
        if self._frame.kind in ("module", "init"):
            self.passed_over(node)
            return False
        return True

    def visit_For(self, node: cst.For) -> None:
        self._names.at(node)
        self._loops += 1
        for name in target_names(node.target):
            self._bind(name, Opaque(name), self._line(node))

    def leave_For(self, original_node: cst.For) -> None:
        self._loops -= 1

    def visit_While(self, node: cst.While) -> None:
        self._names.at(node)
        self._loops += 1

    def leave_While(self, original_node: cst.While) -> None:
        self._loops -= 1

    # -- statements
    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = dotted(alias.name) or ""
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local, module = alias.asname.name.value, full
            else:
                local = module = full.split(".")[0]
                self._callees.add(full)
            self._add_import(Import(local, module, None, 0, self._line(node)))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = dotted(node.module) if node.module is not None else ""
        level = len(node.relative)
        line = self._line(node)
        if isinstance(node.names, cst.ImportStar):
            self._add_import(Import("*", module or "", None, level, line))
            return
        for alias in node.names:
            name = dotted(alias.name) or ""
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            self._add_import(Import(local, module or "", name, level, line))

    def _add_import(self, item: Import) -> None:
        self._callees.add(item.module if item.name is None else f"{item.module}.{item.name}")
        if self._frame.kind == "module":
            self._imports.append(item)

    def visit_Assign(self, node: cst.Assign) -> None:
        value = node.value
        for target in node.targets:
            self._assign(target.target, value, self._line(node))

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._assign(node.target, node.value, self._line(node))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        target = node.target
        if isinstance(target, cst.Name):
            op = AUGMENTED.get(type(node.operator))
            value = self._value(node.value)
            rebound = (
                Opaque(source_text(node.value))
                if op is None
                else BinOp(op, Name(target.value), value)
            )
            self._bind(target.value, rebound, self._line(node))

    def visit_Expr(self, node: cst.Expr) -> None:
        call = node.value
        if not (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute)):
            return
        method, receiver, line = call.func.attr.value, call.func.value, self._line(node)
        attr = self_attr(receiver)
        frame = self._frame
        if attr is not None and frame.kind == "init" and frame.cls is not None:
            if (
                method == "append"
                and len(call.args) == 1
                and isinstance(call.args[0].value, cst.Call)
            ):
                inner = self._expr.call(call.args[0].value)
                frame.cls.submodules.append(
                    Submodule(attr, inner, line, self._next(), self._frame_conditions(), True)
                )
            return
        if not isinstance(receiver, cst.Name) or frame.kind not in ("module", "init"):
            return
        if receiver.value == "self" and method == "add_module" and frame.cls is not None:
            registered = added_module(call)
            if registered is not None:
                name, built = registered
                order, conditions = self._next(), self._frame_conditions()
                built_call = self._expr.call(built)
                frame.cls.submodules.append(Submodule(name, built_call, line, order, conditions))
            return
        name = receiver.value
        args = [self._value(a.value) for a in call.args]
        if method == "append" and len(args) == 1:
            self._bind(name, BinOp("+", Name(name), Seq("list", (args[0],))), line)
        elif method == "extend" and len(args) == 1:
            self._bind(name, BinOp("+", Name(name), list_of(args[0])), line)
        elif method in MUTATORS:
            self._bind(name, Opaque(source_text(call)), line)

    def _assign(
        self, target: cst.BaseAssignTargetExpression, value: cst.BaseExpression, line: int
    ) -> None:
        frame = self._frame
        if isinstance(target, cst.Name):
            self._bind(target.value, self._value(value), line)
            return
        attr = self_attr(target)
        if attr is not None and frame.kind == "init" and frame.cls is not None:
            order, conditions = self._next(), self._frame_conditions()
            expr = self._value(value)
            frame.cls.attributes.append(Binding(attr, expr, line, order, conditions))
            if isinstance(expr, Call):
                frame.cls.submodules.append(Submodule(attr, expr, line, order, conditions))
            return
        if isinstance(target, (cst.Tuple, cst.List)):
            for name in target_names(target):
                self._bind(name, Opaque(name), line)
            return
        keys = config_keys(target)
        if keys is not None and frame.kind in ("module", "function", "script"):
            conditions = tuple(self._conditions)
            expr = Opaque("<changed in a loop>") if self._loops else self._value(value)
            self._writes.append(ConfigWrite(keys, expr, line, conditions, frame.name))

    def _value(self, node: cst.BaseExpression) -> Expr:
        return self._expr.convert(node)

    def _bind(self, name: str, value: Expr, line: int) -> None:
        frame = self._frame
        if self._loops and frame.kind in ("module", "class"):
            value = Opaque(f"<changed in a loop: {name}>")
        if frame.kind == "module":
            index = len(self._bindings)
            self._bindings.append(Binding(name, value, line, index, tuple(self._conditions)))
        elif frame.kind in ("init", "class") and frame.cls is not None:
            binding = Binding(name, value, line, self._next(), self._frame_conditions())
            (frame.cls.locals if frame.kind == "init" else frame.cls.constants).append(binding)
        else:
            frame.assigned.add(name)

    def visit_Call(self, node: cst.Call) -> None:
        callee = self._qualified(node.func)
        self._feature_call(node, callee)
        if self._frame.kind == "script":
            return
        if callee:
            self._callees.add(callee)
        frame = self._frame
        if frame.kind == "init" and frame.cls is not None and frame.cls.kwargs is not None:
            kwarg = kwargs_lookup(node, frame.cls.kwargs)
            if kwarg is not None:
                name, default = kwarg
                value = self._value(default) if default is not None else None
                frame.cls.kwarg_defaults.append(KwargDefault(name, value, self._line(node)))
        if callee and is_audio_callee(callee):
            call = self._expr.call(node)
            if frame.kind == "module":
                self._sites.append(CallSite("<module>", call, self._line(node)))
            else:
                frame.sites.append((call, self._line(node)))

    # -- feature sites (see :mod:`.feature_sites`)
    def _feature_call(self, node: cst.Call, callee: str) -> None:
        frame = self._frame
        method = frame.kind == "function" and "." in frame.name
        if method and not isinstance(node.func, cst.Call) and is_resample_callee(callee):
            # in a method: ``__init__`` builds an ``nn.Upsample`` as a submodule instead
            frame.resamples.append((self._expr.call(node), self._line(node)))
        if is_loader_callee(callee) and may_name_a_path(node):
            frame.loads.append((self._expr.call(node), self._line(node)))
        name = (callee or dotted(node.func) or "").rsplit(".", 1)[-1]
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value in LAYER_KEYWORDS:
                target = f"{name}.{arg.keyword.value}" if name else arg.keyword.value
                value = self._value(arg.value)
                frame.picks.append((target, "keyword", value, self._line(node)))
        self._flush_if_at_top()

    def visit_Dict(self, node: cst.Dict) -> None:
        for element in node.elements:
            key = element.key if isinstance(element, cst.DictElement) else None
            if isinstance(key, cst.SimpleString) and key.evaluated_value in LAYER_KEYWORDS:
                value = self._value(element.value)
                target = str(key.evaluated_value)
                self._frame.picks.append((target, "keyword", value, self._line(node)))
        self._flush_if_at_top()

    def visit_Subscript(self, node: cst.Subscript) -> None:
        read = layer_read(node)
        if read is not None:
            path, selection = read
            self._frame.picks.append((path, "index", Opaque(selection), self._line(node)))
            self._flush_if_at_top()

    def visit_Del(self, node: cst.Del) -> bool:
        for path, selection in layers_deleted(node):
            self._frame.picks.append((path, "del", Opaque(selection), self._line(node)))
        self._flush_if_at_top()
        self.passed_over(node)
        return False

    def _flush_if_at_top(self) -> None:
        """Sites outside any function belong to the module (or to a class body)."""
        frame = self._frame
        if frame.kind in ("module", "class", "other"):
            self._flush_features(frame, "<module>" if frame.kind == "module" else frame.name, ())
