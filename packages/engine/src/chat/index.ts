// Conversations: chat templates and rendering messages into a model's prompt text.

export { type RenderedConversation, renderConversation } from './assistant-spans.ts';
export {
  CHAT_ROLES,
  type ChatMessage,
  type ChatTemplate,
  ChatTemplateError,
  type ChatTemplateErrorCode,
  DEFAULT_CHAT_STOP,
  DEFAULT_CHAT_TEMPLATE,
  DEFAULT_TEMPLATE_NAME,
  defaultChatTemplate,
  type RenderChatOptions,
  readChatTemplate,
  renderChat,
} from './template.ts';
