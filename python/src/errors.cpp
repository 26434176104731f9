// The C++ error hierarchy (dynlib/errors.hpp) as Python exception classes under one base:
//
//   DynlibError(Exception)
//   ├── ModelError          .message .file .line .column .source_line .hint
//   ├── ModelNotFoundError  .uri .candidates
//   ├── PathTraversalError  .uri .attempted_path .root
//   ├── ConfigError
//   ├── StepperKindMismatchError  .stepper_name .stepper_kind .model_kind
//   ├── JITUnavailableError
//   ├── CompileError        .diagnostics .source_path
//   └── CacheError
//
//   (dynlib.errors adds the reference's remaining names on this hierarchy.)
//
//   ModelWarning(UserWarning): a model accepted with a warning (an unknown [sim] key); the
//   message is the diagnostic with file:line:col, caret and did-you-mean.
//
// str(e) is the C++ what(): the full diagnostic with file:line:col, caret and did-you-mean.

#include "common.hpp"

namespace dynlib::python {

namespace {

struct ErrorTypes {
  PyObject* base = nullptr;
  PyObject* model = nullptr;
  PyObject* not_found = nullptr;
  PyObject* traversal = nullptr;
  PyObject* config = nullptr;
  PyObject* stepper_kind = nullptr;
  PyObject* jit = nullptr;
  PyObject* compile = nullptr;
  PyObject* cache = nullptr;
  PyObject* warning = nullptr;
};

// New references that are never released: the classes must outlive the module object, since a
// translation can happen while the interpreter tears modules down.
ErrorTypes g_types;

PyObject* new_type(py::module_& m, const char* name, PyObject* base, const char* doc) {
  const std::string qualified = std::string("dynlib.") + name;
  PyObject* type = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, base, nullptr);
  if (!type) throw py::error_already_set();
  m.add_object(name, py::reinterpret_borrow<py::object>(type));
  return type;
}

// Raises `type(what)` with extra attributes set on the instance.
void raise(PyObject* type, const char* what, const py::dict& attributes) {
  py::object exc = py::reinterpret_borrow<py::object>(type)(py::str(what));
  for (auto [key, value] : attributes) exc.attr(key) = value;
  PyErr_SetObject(type, exc.ptr());
}

}  // namespace

void bind_errors(py::module_& m) {
  g_types.base = new_type(m, "DynlibError", PyExc_Exception,
                          "Base class of every error dynlib raises for something a user can get "
                          "wrong (bad options, unknown names, ...).");
  g_types.model = new_type(m, "ModelError", g_types.base,
                           "A model that cannot be accepted. str(e) is the full diagnostic "
                           "(file:line:col, the line, a caret, a hint); attributes message, file, "
                           "line, column (1-based, 0 = unknown), source_line, hint.");
  g_types.not_found = new_type(m, "ModelNotFoundError", g_types.base,
                               "A model URI that resolved to no readable file; attributes uri "
                               "and candidates (every path that was tried).");
  g_types.traversal = new_type(m, "PathTraversalError", g_types.base,
                               "A model URI that would leave the roots of its tag ('..', an "
                               "absolute path after TAG://, a symlink out of the root); "
                               "attributes uri, attempted_path, root.");
  g_types.config = new_type(m, "ConfigError", g_types.base,
                            "A config file (DYNLIB_CONFIG, the user's config.toml) or "
                            "DYN_MODEL_PATH that cannot be read or is malformed.");
  g_types.stepper_kind = new_type(m, "StepperKindMismatchError", g_types.base,
                                  "A stepper asked for that is for the other kind of model; "
                                  "attributes stepper_name, stepper_kind, model_kind "
                                  "(\"ode\" or \"map\").");
  g_types.jit = new_type(m, "JITUnavailableError", g_types.base,
                         "jit=True was asked for but no working C++ compiler was found (there is "
                         "never a silent fallback to the interpreter).");
  g_types.compile = new_type(m, "CompileError", g_types.base,
                             "The system compiler rejected generated code; attributes "
                             "diagnostics (the compiler's output) and source_path.");
  g_types.cache = new_type(m, "CacheError", g_types.base,
                           "The on-disk kernel cache could not be used as asked.");

  g_types.warning = new_type(m, "ModelWarning", PyExc_UserWarning,
                             "A model was accepted, but something in it is probably not meant "
                             "(an unknown [sim] key). The message is the full diagnostic "
                             "(file:line:col, the line, a caret, a did-you-mean).");
  // build() would print them on stderr; here they become Python warnings instead (warn_model),
  // which the warnings module can filter, record or turn into errors.
  set_model_warning_handler({});

  // Throws each C++ error type with known fields, so tests can check the translation of every
  // class, including CacheError, which no public call raises directly (cache problems there are
  // warnings that fall back to recompiling).
  m.def(
      "_raise_cpp_error",
      [](const std::string& kind) {
        if (kind == "model")
          throw ModelError("unknown name 'sigm'", {"lorenz.toml", 17, 6}, "dx = sigm * (y - x)",
                           "did you mean 'sigma'?");
        if (kind == "not_found")
          throw ModelNotFoundError("builtin://ode/nope", {"a.toml", "b.toml"});
        if (kind == "traversal")
          throw PathTraversalError("refusing", "t://../x", "../x.toml", "/models");
        if (kind == "config") throw ConfigError("bad config");
        if (kind == "stepper_kind")
          throw StepperKindMismatchError("wrong kind", "map", "map", "ode");
        if (kind == "jit") throw JITUnavailableError("no compiler");
        if (kind == "compile") throw CompileError("compile failed", "x.cpp:1: error", "/tmp/x.cpp");
        if (kind == "cache") throw CacheError("cannot lock the cache");
        if (kind == "base") throw DynlibError("plain");
        throw std::invalid_argument("unknown kind '" + kind + "'");
      },
      py::arg("kind"));

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const ModelError& e) {
      raise(g_types.model, e.what(),
            py::dict(py::arg("message") = e.message(), py::arg("file") = e.where().file,
                     py::arg("line") = e.where().line, py::arg("column") = e.where().column,
                     py::arg("source_line") = e.source_line(), py::arg("hint") = e.hint()));
    } catch (const ModelNotFoundError& e) {
      raise(g_types.not_found, e.what(),
            py::dict(py::arg("uri") = e.uri(), py::arg("candidates") = e.candidates()));
    } catch (const PathTraversalError& e) {
      raise(g_types.traversal, e.what(),
            py::dict(py::arg("uri") = e.uri(), py::arg("attempted_path") = e.attempted_path(),
                     py::arg("root") = e.root()));
    } catch (const ConfigError& e) {
      raise(g_types.config, e.what(), py::dict());
    } catch (const StepperKindMismatchError& e) {
      raise(g_types.stepper_kind, e.what(),
            py::dict(py::arg("stepper_name") = e.stepper(),
                     py::arg("stepper_kind") = e.stepper_kind(),
                     py::arg("model_kind") = e.model_kind()));
    } catch (const JITUnavailableError& e) {
      raise(g_types.jit, e.what(), py::dict());
    } catch (const CompileError& e) {
      raise(g_types.compile, e.what(),
            py::dict(py::arg("diagnostics") = e.diagnostics(),
                     py::arg("source_path") = e.source_path()));
    } catch (const CacheError& e) {
      raise(g_types.cache, e.what(), py::dict());
    } catch (const DynlibError& e) {
      raise(g_types.base, e.what(), py::dict());
    }
  });
}

void warn_model(const std::vector<ModelWarning>& warnings) {
  for (const ModelWarning& w : warnings)
    if (PyErr_WarnEx(g_types.warning, w.text().c_str(), 1) != 0) throw py::error_already_set();
}

}  // namespace dynlib::python
